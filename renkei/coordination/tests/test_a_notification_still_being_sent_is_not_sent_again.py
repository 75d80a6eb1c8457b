"""'Notify again' is for a notification that was sent or failed: one still queued (its
delivery being retried) may yet arrive, and a reminder beside it would reach the party twice."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from renkei.accounts.models import AuditEvent, User
from renkei.coordination.models import Contact, Notification
from renkei.coordination.notifications import notification_queue, notification_renotify
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_notifying_again_while_the_first_is_being_retried_is_refused_with_the_reason(
    personas: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    incident = ingest(url="https://example.com/login").incident
    coordinator = personas["coordinator"]
    coordinator.language = "ja"
    coordinator.save()
    with django_capture_on_commit_callbacks(execute=False):
        # Queued, and its delivery not yet run: as while it waits for the next attempt.
        first = notification_queue(
            actor=personas["analyst"],
            incident=incident,
            recipient="abuse@hoster.example",
            subject="Takedown",
            body="Please.",
            language="en",
            recipient_country="US",
        )
    client = signed_in(coordinator)

    page = client.get(reverse("incidents:detail", args=[incident.ref])).content.decode()
    response = client.post(reverse("coordination:renotify", args=[first.pk]), follow=True)

    assert reverse("coordination:renotify", args=[first.pk]) not in page
    assert "abuse@hoster.example への通知はまだ送信中です。" in response.content.decode()
    assert list(Notification.objects.values_list("pk", flat=True)) == [first.pk]


@pytest.mark.django_db
def test_an_imported_notification_is_not_sent_again_as_an_empty_mail(
    personas: dict[str, User],
) -> None:
    incident = ingest(url="https://example.com/login").incident
    imported = Notification.objects.create(
        source="import:legacy", ref="N-1", incident=incident, sent_at=incident.first_report_at,
        recipient="abuse@hoster.example", recipient_country="US", status="sent",
    )  # fmt: skip
    client = signed_in(personas["coordinator"])

    response = client.post(reverse("coordination:renotify", args=[imported.pk]), follow=True)

    assert "取り込まれた記録で、renkei が送ったものではない" in response.content.decode()
    assert list(Notification.objects.values_list("pk", flat=True)) == [imported.pk]


@pytest.mark.django_db
def test_a_reminder_of_a_notification_without_a_country_takes_its_contacts(
    personas: dict[str, User],
) -> None:
    incident = ingest(url="https://example.com/login").incident
    contact = Contact.objects.create(email="abuse@hoster.example.jp", country="JP")
    first = notification_queue(
        actor=personas["analyst"], incident=incident, recipient=contact.email, subject="x",
        body="y", language="ja", contact=contact,
    )  # fmt: skip
    # Sent by an older renkei, which kept no country when none was typed.
    Notification.objects.filter(pk=first.pk).update(status="sent", recipient_country="")
    first.refresh_from_db()

    reminder = notification_renotify(actor=personas["coordinator"], original=first)

    assert (first.recipient_country, reminder.recipient_country) == ("", "JP")


@pytest.mark.django_db
def test_a_notification_no_worker_delivers_is_shown_stuck_and_can_be_sent_again(
    personas: dict[str, User], django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.RENKEI_NOTIFY_MAX_ATTEMPTS, settings.RENKEI_NOTIFY_RETRY_SECONDS = 5, 60
    incident = ingest(url="https://example.com/login").incident
    with django_capture_on_commit_callbacks(execute=False):  # no worker ever runs it
        first = notification_queue(
            actor=personas["analyst"], incident=incident, recipient="abuse@hoster.example",
            subject="Takedown", body="Please.", language="en", recipient_country="US",
        )  # fmt: skip
    # Queued longer than its whole retry schedule (15 minutes) and the half hour of slack.
    Notification.objects.filter(pk=first.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    client = signed_in(personas["coordinator"])
    detail = reverse("incidents:detail", args=[incident.ref])

    page = client.get(detail).content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("coordination:renotify", args=[first.pk]))

    assert "abuse@hoster.example への通知は" in page and "送信待ちのままです" in page
    assert reverse("coordination:renotify", args=[first.pk]) in page
    first.refresh_from_db()
    assert first.status == "failed"  # a worker coming back later does not deliver it too
    given_up = AuditEvent.objects.get(action="notification.failed")
    assert given_up.actor == personas["coordinator"]  # who gave it up, not "the mailer"
    assert Notification.objects.filter(status="queued").count() == 1
    assert "送信待ちのまま" not in client.get(detail).content.decode()


@pytest.mark.django_db
def test_renkei_status_counts_the_notifications_no_worker_delivers(
    personas: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    incident = ingest(url="https://example.com/login").incident
    with django_capture_on_commit_callbacks(execute=False):
        stuck, _waiting = (
            notification_queue(
                actor=personas["analyst"],
                incident=incident,
                recipient=f"{who}@hoster.example",
                subject="Takedown",
                body="Please.",
                language="en",
                recipient_country="US",
            )
            for who in ("stuck", "waiting")
        )
    Notification.objects.filter(pk=stuck.pk).update(sent_at=timezone.now() - timedelta(days=1))
    out = io.StringIO()

    call_command("status", "--json", stdout=out)

    assert json.loads(out.getvalue())["counts"]["notifications_stuck"] == 1
