"""The red "could not be delivered" banner (incident page) and the dashboard's list of
failed notifications are about parties not reached yet: a re-send that is delivered
settles the failure, which stays in the incident's history."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.models import Notification
from renkei.coordination.tests.conftest import SendNotification, SmtpSink
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


def _alarms(client: Client, incident: Incident) -> tuple[list[str], str]:
    """(banners on the incident page, the dashboard's failed-notification section)."""
    page = client.get(reverse("incidents:detail", args=[incident.ref])).content.decode()
    banners = re.findall(r'<p class="alert notification-failed">(.*?)</p>', page, re.S)
    dashboard = client.get(reverse("dashboard")).content.decode()
    overdue = re.search(r'<section class="card" id="overdue">(.*?)</section>', dashboard, re.S)
    assert overdue is not None
    return banners, overdue[1]


@pytest.mark.django_db
def test_a_delivered_resend_clears_the_banner_and_the_dashboard_entry(
    personas: dict[str, User], smtp_server: SmtpSink, django_capture_on_commit_callbacks: Any,
    send_notification: SendNotification,
) -> None:  # fmt: skip
    incident = ingest(url="https://example.com/x").incident
    smtp_server.data_replies = ["550 5.7.1 refused", "550 5.7.1 refused"]
    first = send_notification(incident, recipient="abuse@h.example")
    other = send_notification(incident, recipient="noc@other.example")
    assert (first.status, other.status) == ("failed", "failed")
    client = signed_in(personas["coordinator"])
    banners, dashboard = _alarms(client, incident)
    assert len(banners) == 2 and "abuse@h.example" in dashboard

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("coordination:renotify", args=[first.pk]))
    assert Notification.objects.filter(status="sent").count() == 1

    banners, dashboard = _alarms(client, incident)
    assert len(banners) == 1 and "noc@other.example" in banners[0]
    assert "abuse@h.example" not in dashboard and "noc@other.example" in dashboard
    first.refresh_from_db()
    assert first.status == "failed"  # the history keeps the failure


@pytest.mark.django_db
@pytest.mark.parametrize(("key_id", "signed"), [("", False), ("0123456789ABCDEF", True)])
def test_the_notify_page_says_mail_is_signed_only_when_the_center_key_is_set(
    personas: dict[str, User], settings: Any, key_id: str, signed: bool
) -> None:
    settings.RENKEI_GPG_KEY_ID = key_id
    incident = ingest(url="https://example.com/x").incident
    page = signed_in(personas["analyst"]).get(reverse("coordination:notify", args=[incident.ref]))
    protection = re.search(r'<p id="protection">(.*?)</p>', page.content.decode(), re.S)
    assert protection is not None
    says_signed = "で署名され" in protection[1] or "is signed" in protection[1]
    assert says_signed is signed
