"""A password reset by e-mail link is in the audit log, and every way in the old password
gave stops working: the API tokens are revoked, other sessions are ended."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import ApiToken, AuditEvent, User
from renkei.accounts.services import api_token_create
from renkei.incidents.tests.helpers import signed_in

NEW_PASSWORD = "a much better secret 42"  # a test fixture


def _reset_link(client: Client, user: User) -> str:
    """Ask for the reset mail as the person would, and return the link it carries."""
    user.email = f"{user.username}@csirt.example"
    user.save(update_fields=["email"])
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    [message] = mail.outbox
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body)
    assert link is not None
    return link.group(1)


def _set_password(client: Client, link: str, password1: str, password2: str) -> None:
    # The link redirects to a page of its own, where the new password is posted.
    form_page = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_page, {"new_password1": password1, "new_password2": password2})


def _api_status(secret: str) -> int:
    response = Client().get("/api/reports", HTTP_AUTHORIZATION=f"Bearer {secret}")
    return int(response.status_code)


@pytest.mark.django_db
def test_a_reset_is_recorded_with_the_address_and_without_password_or_link(
    personas: dict[str, User],
) -> None:
    analyst = personas["analyst"]
    token, _secret = api_token_create(actor=analyst, user=analyst, name="feed bot")
    client = Client(REMOTE_ADDR="192.0.2.44")
    link = _reset_link(client, analyst)
    _set_password(client, link, NEW_PASSWORD, NEW_PASSWORD)

    [event] = AuditEvent.objects.filter(action="user.password_reset")
    assert (event.actor, event.object_id) == (analyst, str(analyst.pk))
    assert event.after == {"address": "192.0.2.44", "api_tokens_revoked": [token.prefix]}
    recorded = json.dumps([event.actor_label, event.before, event.after])
    link_token = link.rstrip("/").split("/")[-1]
    assert NEW_PASSWORD not in recorded and link_token not in recorded


@pytest.mark.django_db
def test_after_a_reset_the_old_api_token_gets_401_and_other_sessions_end(
    personas: dict[str, User],
) -> None:
    analyst = personas["analyst"]
    token, secret = api_token_create(actor=analyst, user=analyst, name="feed bot")
    _, colleagues = api_token_create(
        actor=personas["coordinator"], user=personas["coordinator"], name="theirs"
    )
    elsewhere = signed_in(analyst)  # the intruder's browser, say
    assert _api_status(secret) == 200 and elsewhere.get("/incidents/").status_code == 200
    client = Client()
    link = _reset_link(client, analyst)

    _set_password(client, link, NEW_PASSWORD, "a mistyped confirmation")
    assert _api_status(secret) == 200  # a refused form changes nothing
    _set_password(client, link, NEW_PASSWORD, NEW_PASSWORD)

    assert _api_status(secret) == 401
    assert ApiToken.objects.get(pk=token.pk).revoked is not None
    revoked = AuditEvent.objects.get(action="api_token.revoke", object_id=str(token.pk))
    assert revoked.actor == analyst
    assert _api_status(colleagues) == 200  # only the reset account's tokens
    ended = elsewhere.get("/incidents/")
    assert ended.status_code == 302 and ended["Location"].startswith(reverse("accounts:login"))
