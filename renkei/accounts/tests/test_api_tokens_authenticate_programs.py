"""API tokens: shown once, stored hashed, revocable; `authenticate_token` for the HTTP API."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import ApiToken, AuditEvent, User
from renkei.accounts.services import api_token_create, api_token_revoke
from renkei.accounts.tokens import authenticate_token
from renkei.incidents.tests.helpers import signed_in
from renkei.lib.errors import PermissionDenied


@pytest.mark.django_db
def test_a_new_token_authenticates_its_user_and_only_its_hash_is_stored(
    personas: dict[str, User],
) -> None:
    token, secret = api_token_create(
        actor=personas["analyst"], user=personas["analyst"], name="feed bot"
    )
    assert authenticate_token(secret) == personas["analyst"]
    assert authenticate_token(f"  {secret}\n") == personas["analyst"]
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64
    assert stored.last_used is not None
    assert AuditEvent.objects.filter(action="api_token.create", object_id=str(token.pk)).exists()


@pytest.mark.django_db
def test_revoked_unknown_and_inactive_tokens_authenticate_nobody(personas: dict[str, User]) -> None:
    token, secret = api_token_create(actor=personas["analyst"], user=personas["analyst"], name="x")
    _, other = api_token_create(
        actor=personas["coordinator"], user=personas["coordinator"], name="y"
    )
    api_token_revoke(actor=personas["analyst"], token=token)
    personas["coordinator"].is_active = False
    personas["coordinator"].save()
    assert authenticate_token(secret) is None
    assert authenticate_token(other) is None
    assert authenticate_token("rk_" + "A" * 43) is None
    assert authenticate_token("") is None


@pytest.mark.django_db
def test_only_an_administrator_makes_tokens_for_someone_else(personas: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        api_token_create(actor=personas["analyst"], user=personas["coordinator"], name="x")
    token, _ = api_token_create(actor=personas["admin"], user=personas["coordinator"], name="x")
    assert token.user == personas["coordinator"]


@pytest.mark.django_db
def test_the_token_page_shows_the_secret_once(personas: dict[str, User]) -> None:
    client = signed_in(personas["analyst"])
    created = client.post(reverse("accounts:tokens"), {"name": "nightly export"}).content.decode()
    secret = created.split('id="new-token">')[1].split("<")[0]
    assert authenticate_token(secret) == personas["analyst"]
    assert secret not in client.get(reverse("accounts:tokens")).content.decode()


@pytest.mark.django_db
def test_the_outsider_cannot_open_the_token_page_or_revoke_tokens(
    personas: dict[str, User],
) -> None:
    token, secret = api_token_create(actor=personas["analyst"], user=personas["analyst"], name="x")
    outsider = signed_in(personas["outsider"])
    assert outsider.get(reverse("accounts:tokens")).status_code == 403
    assert outsider.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 403
    assert (
        signed_in(personas["coordinator"])
        .post(reverse("accounts:token_revoke", args=[token.pk]))
        .status_code
        == 404
    )
    assert authenticate_token(secret) == personas["analyst"]


@pytest.mark.django_db
def test_a_participant_makes_a_token_in_the_console_and_submits_with_it(
    personas: dict[str, User],
) -> None:
    participant = signed_in(personas["participant_a"])

    page = participant.post(reverse("accounts:tokens"), {"name": "our mail gateway"})

    secret = re.search(r'<span class="secret" id="new-token">([^<]+)</span>', page.content.decode())
    assert secret is not None
    assert authenticate_token(secret.group(1)) == personas["participant_a"]
    answer = Client().post(
        "/api/reports", json.dumps({"ref": "gw-1", "category": "other"}),
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret.group(1)}",
    )  # fmt: skip
    assert answer.status_code == 201
