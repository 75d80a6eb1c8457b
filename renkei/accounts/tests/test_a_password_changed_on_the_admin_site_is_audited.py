"""A staff member changing their own password on the admin site's page: in the audit log."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.accounts.tests.personas import PASSWORD
from renkei.incidents.tests.helpers import signed_in

NEW_PASSWORD = "another secret 5432"  # a test fixture


def _change(client: Client, old_password: str) -> None:
    client.post(
        reverse("admin:password_change"),
        {"old_password": old_password, "new_password1": NEW_PASSWORD,
         "new_password2": NEW_PASSWORD},
        REMOTE_ADDR="192.0.2.20",
    )  # fmt: skip


@pytest.mark.django_db
def test_a_changed_password_is_recorded_without_it_and_a_refused_change_is_not(
    personas: dict[str, User],
) -> None:
    client = signed_in(personas["admin"])
    _change(client, "not my password")
    assert not AuditEvent.objects.filter(action="user.password_change").exists()

    _change(client, PASSWORD)

    assert Client().login(username="admin", password=NEW_PASSWORD)
    [event] = AuditEvent.objects.filter(action="user.password_change")
    assert (event.actor, event.object_id) == (personas["admin"], str(personas["admin"].pk))
    assert event.after == {"address": "192.0.2.20"}
    assert NEW_PASSWORD not in json.dumps([event.before, event.after])
