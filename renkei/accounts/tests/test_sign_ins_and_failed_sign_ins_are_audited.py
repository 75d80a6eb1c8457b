"""Who signed in, who failed to and who signed out, from where: all in the audit log."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.accounts.tests.personas import PASSWORD

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")


def _sign_in(client: Client, username: str, password: str) -> None:
    client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_a_sign_in_and_a_sign_out_are_recorded_with_the_person_and_address(
    personas: dict[str, User],
) -> None:
    client = Client(REMOTE_ADDR="192.0.2.10")
    _sign_in(client, "analyst", PASSWORD)
    client.post(reverse("accounts:logout"))
    events = list(AuditEvent.objects.filter(actor=personas["analyst"]).order_by("id"))
    assert [e.action for e in events] == ["user.sign_in", "user.sign_out"]
    assert all(e.after == {"address": "192.0.2.10"} for e in events)


@pytest.mark.django_db
def test_a_wrong_password_is_recorded_without_the_password(personas: dict[str, User]) -> None:
    _sign_in(Client(REMOTE_ADDR="192.0.2.66"), "analyst", "my guess 1234")
    [event] = AuditEvent.objects.filter(action="user.sign_in_failed")
    assert event.actor is None and event.object_id == str(personas["analyst"].pk)
    assert event.after == {"username": "analyst", "address": "192.0.2.66"}
    assert "my guess 1234" not in json.dumps([event.before, event.after])


@pytest.mark.django_db
def test_a_failed_sign_in_as_nobody_is_recorded_too(personas: dict[str, User]) -> None:
    _sign_in(Client(REMOTE_ADDR="192.0.2.66"), "root", "toor")
    [event] = AuditEvent.objects.filter(action="user.sign_in_failed")
    assert event.object_id == "" and event.after["username"] == "root"
