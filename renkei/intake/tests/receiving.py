"""Receiving one report over a channel, for tests about what any channel stores."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.test import Client

from renkei.accounts.models import User
from renkei.accounts.services import api_token_create
from renkei.intake.collectors.mail import email_receive
from renkei.intake.models import Report


def api_post(client: Client, user: User, path: str, body: dict[str, Any]) -> HttpResponse:
    """POST `body` as JSON to the API at `path` with a new token of `user`."""
    token = api_token_create(actor=user, user=user, name="test")[1]
    return client.post(  # type: ignore[return-value]
        f"/api{path}", json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip


def mailed_report(raw: bytes, collector: str = "test") -> Report:
    """The report an e-mail became; fails the test with the reason when it became none."""
    outcome = email_receive(raw, collector=collector)
    assert outcome.status == "created", outcome.error
    return Report.objects.get(pk=outcome.report_id)
