"""Delivery outcomes: temporary failures retried with backoff, permanent ones shown on the incident."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from renkei.accounts.models import AuditEvent, User
from renkei.accounts.tests.personas import PASSWORD
from renkei.coordination.notifications import notification_queue
from renkei.coordination.tasks import notification_deliver
from renkei.coordination.tests.conftest import SendNotification, SmtpSink, free_port
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest


def _actions(incident: Incident) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(incident.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_a_temporary_refusal_is_retried_until_the_server_accepts(
    smtp_server: SmtpSink, send_notification: SendNotification
) -> None:
    smtp_server.data_replies = ["451 4.3.0 try again later", "421 4.7.0 busy"]

    notification = send_notification()

    assert (notification.status, notification.attempts, notification.error) == ("sent", 3, "")
    assert len(smtp_server.messages) == 1
    actions = _actions(notification.incident)
    assert actions.count("notification.retry") == 2
    assert actions[-1] == "notification.sent"


@pytest.mark.django_db
def test_a_permanent_refusal_fails_at_once_and_shows_on_the_incident_page(
    smtp_server: SmtpSink, send_notification: SendNotification
) -> None:
    smtp_server.data_replies = ["550 5.7.1 relaying denied"]

    notification = send_notification()

    assert (notification.status, notification.attempts) == ("failed", 1)
    assert "550" in notification.error
    incident = Incident.objects.get(pk=notification.incident_id)
    assert incident.status == "open"
    client = Client()
    client.login(username="analyst", password=PASSWORD)
    page = client.get(reverse("incidents:detail", args=[incident.ref])).content.decode()
    assert "notification-failed" in page and "relaying denied" in page


@pytest.mark.django_db
def test_an_unreachable_server_is_given_up_after_the_attempt_limit(
    settings: Any, send_notification: SendNotification
) -> None:
    settings.RENKEI_SMTP_HOST, settings.RENKEI_SMTP_PORT = "127.0.0.1", free_port()
    settings.RENKEI_SMTP_STARTTLS, settings.RENKEI_SMTP_TIMEOUT = False, 2
    settings.RENKEI_NOTIFY_MAX_ATTEMPTS, settings.RENKEI_NOTIFY_RETRY_SECONDS = 3, 0

    notification = send_notification()

    assert (notification.status, notification.attempts) == ("failed", 3)
    # The server's words only: the page counts the attempts in the reader's language.
    assert notification.error.startswith("mail server unreachable")
    client = Client()
    client.login(username="analyst", password=PASSWORD)
    page = client.get(reverse("incidents:detail", args=[notification.incident.ref]))
    text = page.content.decode()
    assert "abuse@hoster.example への通知を配送できませんでした：" in text
    assert "gave up" not in text


@pytest.mark.django_db
def test_retries_wait_longer_each_time_on_a_queue_that_can_defer(
    personas: dict[str, User], smtp_server: SmtpSink, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.RENKEI_NOTIFY_RETRY_SECONDS = 60
    smtp_server.data_replies = ["451 4.3.0 later", "451 4.3.0 later"]
    incident = ingest(url="https://example.com/login").incident
    notification = notification_queue(
        actor=personas["analyst"],
        incident=incident,
        recipient="a@b.example",
        subject="s",
        body="b",
        language="en",
    )
    delays = []
    for _ in range(2):
        before = timezone.now()
        notification_deliver.call(notification.pk)
        latest = DBTaskResult.objects.order_by("-enqueued_at").first()
        delays.append(latest.run_after - before)

    assert timedelta(seconds=59) < delays[0] <= timedelta(seconds=61)
    assert timedelta(seconds=119) < delays[1] <= timedelta(seconds=121)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("queued", 2)
