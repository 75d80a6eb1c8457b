"""`renkei init` makes the admin account, or sets its password with `--reset-password`,
from the shell: both in the audit log."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from renkei.accounts.models import AuditEvent, User

NEW_PASSWORD = "s3cret-from-the-shell"  # a test fixture


@pytest.mark.django_db
def test_the_reset_is_recorded_as_the_operators_without_the_password(
    personas: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RENKEI_ADMIN_PASSWORD", NEW_PASSWORD)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    call_command("init", "--reset-password", stdout=io.StringIO())

    assert User.objects.get(username="admin").check_password(NEW_PASSWORD)
    [event] = AuditEvent.objects.filter(action="user.password_set")
    assert event.actor is None and event.actor_label == "renkei init"
    assert event.object_id == str(personas["admin"].pk) and event.after == {"usable": True}
    assert NEW_PASSWORD not in json.dumps([event.before, event.after])


@pytest.mark.django_db
def test_the_admin_account_it_creates_is_recorded_as_the_operators(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RENKEI_ADMIN_PASSWORD", NEW_PASSWORD)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    call_command("init", "--username", "chief", stdout=io.StringIO())

    chief = User.objects.get(username="chief")
    [event] = AuditEvent.objects.filter(action="user.create")
    assert event.actor is None and event.actor_label == "renkei init"
    assert event.object_id == str(chief.pk) and event.after["role"] == "admin"
    assert NEW_PASSWORD not in json.dumps([event.before, event.after])
