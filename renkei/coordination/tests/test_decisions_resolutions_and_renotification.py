"""No-notification decisions, resolutions and re-notification, from the incident page."""

from __future__ import annotations

from email import message_from_bytes
from typing import Any

import pytest
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.coordination.models import NoNotification, Notification, Resolution
from renkei.coordination.notifications import notification_queue
from renkei.coordination.tests.conftest import SmtpSink
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_an_open_incident_is_marked_as_needing_no_notification_with_a_reason(
    personas: dict[str, User],
) -> None:
    incident = ingest(url="https://example.com/x").incident
    signed_in(personas["analyst"]).post(
        reverse("coordination:no_notification", args=[incident.ref]), {"reason": "site_unreachable"}
    )
    incident.refresh_from_db()
    assert incident.status == "not_notified"
    assert NoNotification.objects.get(incident=incident).reason == "site_unreachable"
    assert AuditEvent.objects.filter(
        action="incident.no_notification", object_id=str(incident.pk)
    ).exists()


@pytest.mark.django_db
def test_recording_a_resolution_closes_the_incident_and_shows_on_its_timeline(
    personas: dict[str, User],
) -> None:
    incident = ingest(url="https://example.com/x").incident
    client = signed_in(personas["coordinator"])
    client.post(
        reverse("coordination:resolve", args=[incident.ref]), {"resolved_at": "2025-04-03T12:00"}
    )
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert (
        Resolution.objects.get(incident=incident)
        .resolved_at.isoformat()
        .startswith("2025-04-03T03:00")
    )
    page = client.get(reverse("incidents:detail", args=[incident.ref])).content.decode()
    assert 'class="resolution"' in page
    response = client.post(
        reverse("coordination:resolve", args=[incident.ref]), {"resolved_at": ""}
    )
    assert response.status_code == 302 and Resolution.objects.count() == 1


@pytest.mark.django_db
def test_re_notification_sends_again_to_the_same_party(
    personas: dict[str, User], smtp_server: SmtpSink, django_capture_on_commit_callbacks: Any
) -> None:
    incident = ingest(url="https://example.com/x").incident
    with django_capture_on_commit_callbacks(execute=True):
        first = notification_queue(
            actor=personas["analyst"],
            incident=incident,
            recipient="abuse@h.example",
            subject="Takedown",
            body="Please.",
            language="en",
            recipient_country="US",
        )
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(personas["coordinator"]).post(reverse("coordination:renotify", args=[first.pk]))
    second = Notification.objects.exclude(pk=first.pk).get()
    assert (second.recipient, second.recipient_country, second.status) == (
        "abuse@h.example",
        "US",
        "sent",
    )
    assert second.subject == f"Reminder: [renkei#{incident.ref}] Takedown"
    assert second.extra == {"renotification_of": first.pk}
    assert [e.rcpt_tos for e in smtp_server.messages] == [["abuse@h.example"], ["abuse@h.example"]]
    # The reminder follows up the first message: one thread in the party's mail program.
    sent = [message_from_bytes(e.original_content) for e in smtp_server.messages]
    first.refresh_from_db()
    assert first.message_id and sent[0]["Message-ID"] == first.message_id
    assert sent[1]["In-Reply-To"] == sent[1]["References"] == first.message_id
    assert sent[0]["In-Reply-To"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["outsider", "participant_a"])
def test_outsiders_cannot_decide_resolve_or_notify(personas: dict[str, User], who: str) -> None:
    incident = ingest(url="https://example.com/x").incident
    client = signed_in(personas[who])
    assert (
        client.post(
            reverse("coordination:no_notification", args=[incident.ref]), {"reason": "low_threat"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("coordination:notify", args=[incident.ref]), {"recipient": "a@b.example"}
        ).status_code
        == 403
    )
    assert not NoNotification.objects.exists() and not Notification.objects.exists()
