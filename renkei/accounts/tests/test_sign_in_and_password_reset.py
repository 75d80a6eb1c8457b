"""Signing in and out, and resetting a forgotten password by e-mail."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import User
from renkei.accounts.tests.personas import PASSWORD


@pytest.mark.django_db
def test_signing_in_leads_to_the_page_asked_for_and_a_wrong_password_does_not(
    personas: dict[str, User],
) -> None:
    client = Client()
    anonymous = client.get(reverse("incidents:queue"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(
        reverse("accounts:login")
    )
    bad = client.post(reverse("accounts:login"), {"username": "analyst", "password": "nope"})
    assert bad.status_code == 200
    good = client.post(
        reverse("accounts:login") + "?next=/incidents/",
        {"username": "analyst", "password": PASSWORD, "next": "/incidents/"},
    )
    assert good["Location"] == "/incidents/"
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("incidents:queue")).status_code == 302


@pytest.mark.django_db
def test_a_forgotten_password_is_reset_through_the_link_sent_by_e_mail(
    personas: dict[str, User],
) -> None:
    personas["analyst"].email = "analyst@csirt.example"
    personas["analyst"].save()
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": "analyst@csirt.example"})
    [message] = mail.outbox
    assert message.to == ["analyst@csirt.example"]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body)
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a much better secret 42", "new_password2": "a much better secret 42"},
    )
    assert Client().login(username="analyst", password="a much better secret 42")
    assert not Client().login(username="analyst", password=PASSWORD)


@pytest.mark.django_db
def test_an_unknown_address_gets_no_mail_and_reveals_nothing(personas: dict[str, User]) -> None:
    response = Client().post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and mail.outbox == []
