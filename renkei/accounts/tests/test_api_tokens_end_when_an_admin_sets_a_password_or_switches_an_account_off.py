"""An administrator setting someone's password, or switching the account off,
ends that account's API tokens, as a password reset by e-mail does.

The usual reasons are the same: the account was taken, or its owner left.
A token kept working without the password, and a switched-off account's
tokens came back to life when it was switched on again.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import ApiToken, AuditEvent, User
from renkei.accounts.services import api_token_create
from renkei.accounts.tests.admin_forms import admin_change as _change
from renkei.incidents.tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _reads(client: Client, token: str) -> int:
    return client.get("/api/reports", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def _tokens(user: User) -> list[str]:
    return [api_token_create(actor=user, user=user, name=f"t{i}")[1] for i in range(2)]


def test_a_password_set_in_the_admin_ends_the_account_s_tokens(
    personas: dict[str, User],
) -> None:
    analyst, coordinator = personas["analyst"], personas["coordinator"]
    tokens, other = _tokens(analyst), _tokens(coordinator)[0]
    assert _reads(Client(), tokens[0]) == 200

    url = reverse("admin:auth_user_password_change", args=[analyst.pk])
    signed_in(personas["admin"]).post(url, {
        "password1": "another secret 5432", "password2": "another secret 5432",
        "usable_password": "true",
    })  # fmt: skip

    assert [_reads(Client(), token) for token in tokens] == [401, 401]
    assert _reads(Client(), other) == 200
    revoked = AuditEvent.objects.filter(action="api_token.revoke")
    assert revoked.count() == 2 and {e.actor for e in revoked} == {personas["admin"]}


def test_an_account_switched_off_loses_its_tokens_for_good(personas: dict[str, User]) -> None:
    analyst = personas["analyst"]
    tokens = _tokens(analyst)
    admin_client = signed_in(personas["admin"])

    _change(admin_client, analyst, is_active=False)
    _change(admin_client, User.objects.get(pk=analyst.pk), is_active="on")

    assert User.objects.get(pk=analyst.pk).is_active
    assert [_reads(Client(), token) for token in tokens] == [401, 401]
    assert not ApiToken.objects.filter(user=analyst, revoked__isnull=True).exists()


def test_other_changes_to_an_account_leave_its_tokens(personas: dict[str, User]) -> None:
    analyst = personas["analyst"]
    tokens = _tokens(analyst)
    changes: dict[str, Any] = {"email": "analyst@renkei.example", "language": "en"}

    _change(signed_in(personas["admin"]), analyst, **changes)

    assert [_reads(Client(), token) for token in tokens] == [200, 200]
