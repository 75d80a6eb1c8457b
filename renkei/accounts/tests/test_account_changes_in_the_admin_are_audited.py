"""Accounts are managed in the admin site; every change there is in the audit log."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import AuditEvent, Role, User
from renkei.accounts.tests.admin_forms import admin_change as _change
from renkei.accounts.tests.personas import PASSWORD, make_user
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_a_role_change_and_a_deactivation_are_recorded_with_before_and_after(
    personas: dict[str, User],
) -> None:
    admin_client = signed_in(personas["admin"])
    _change(admin_client, personas["analyst"], role=Role.PARTICIPANT, is_active=False)
    [event] = AuditEvent.objects.filter(action="user.change")
    assert (event.actor, event.object_id) == (personas["admin"], str(personas["analyst"].pk))
    assert event.before == {"role": "analyst", "is_active": True}
    assert event.after == {"role": "participant", "is_active": False}


@pytest.mark.django_db
def test_making_someone_superuser_is_recorded(personas: dict[str, User]) -> None:
    _change(signed_in(personas["admin"]), personas["coordinator"], is_superuser="on")
    [event] = AuditEvent.objects.filter(action="user.change")
    assert (event.before, event.after) == ({"is_superuser": False}, {"is_superuser": True})


@pytest.mark.django_db
def test_a_new_account_is_recorded_with_its_role_and_not_its_password(
    personas: dict[str, User],
) -> None:
    signed_in(personas["admin"]).post(
        reverse("admin:accounts_user_add"),
        {"username": "newcomer", "usable_password": "true", "role": "analyst", "language": "ja",
         "password1": "a fresh secret 9876", "password2": "a fresh secret 9876"},
    )  # fmt: skip
    [event] = AuditEvent.objects.filter(action="user.create")
    assert event.actor == personas["admin"]
    assert event.after["username"] == "newcomer" and event.after["role"] == "analyst"
    assert "a fresh secret 9876" not in json.dumps(event.after)


@pytest.mark.django_db
def test_a_password_set_by_an_administrator_is_recorded_without_it(
    personas: dict[str, User],
) -> None:
    url = reverse("admin:auth_user_password_change", args=[personas["analyst"].pk])
    signed_in(personas["admin"]).post(
        url,
        {"password1": "another secret 5432", "password2": "another secret 5432",
         "usable_password": "true"},
    )  # fmt: skip
    assert not Client().login(username="analyst", password=PASSWORD)
    [event] = AuditEvent.objects.filter(action="user.password_set")
    assert event.object_id == str(personas["analyst"].pk) and event.after == {"usable": True}


@pytest.mark.django_db
def test_a_deleted_account_is_recorded_as_it_was(personas: dict[str, User]) -> None:
    leaving = make_user("leaving", Role.COORDINATOR)
    url = reverse("admin:accounts_user_delete", args=[leaving.pk])
    assert signed_in(personas["admin"]).post(url, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(username="leaving").exists()
    [event] = AuditEvent.objects.filter(action="user.delete")
    assert event.before["username"] == "leaving" and event.before["role"] == "coordinator"


@pytest.mark.django_db
def test_the_role_is_chosen_when_the_account_is_made(personas: dict[str, User]) -> None:
    client = signed_in(personas["admin"])
    assert 'name="role"' in client.get(reverse("admin:accounts_user_add")).content.decode()
    client.post(
        reverse("admin:accounts_user_add"),
        {"username": "member", "usable_password": "true", "role": Role.PARTICIPANT,
         "language": "ja", "password1": "a fresh secret 9876", "password2": "a fresh secret 9876"},
    )  # fmt: skip
    member = User.objects.get(username="member")
    assert member.role == Role.PARTICIPANT and not member.is_center_staff
    [event] = AuditEvent.objects.filter(action="user.create")
    assert event.after["role"] == "participant"
