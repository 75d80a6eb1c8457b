"""Posting the admin site's account form as a browser would."""

from __future__ import annotations

from typing import Any

from django import forms
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import User


def as_posted(form: forms.Form) -> dict[str, Any]:
    """What a browser would post for `form` as it was rendered."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or value is None or value is False:
            continue
        if isinstance(field.widget, forms.MultiWidget):
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{i}"] = part
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    return data


def admin_change(client: Client, user: User, **changes: Any) -> None:
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = as_posted(client.get(url).context["adminform"].form) | changes
    data = {name: value for name, value in data.items() if value is not False}
    assert client.post(url, data).status_code == 302
