"""The queue's notification filters count notifications that went out, not failed or queued ones."""

from __future__ import annotations

from datetime import datetime

import pytest

from renkei.coordination.models import Notification
from renkei.incidents.models import Incident
from renkei.incidents.selectors import QueueFilters, queue_page
from renkei.incidents.tests.factories import ingest

pytestmark = pytest.mark.django_db


def _refs(filters: QueueFilters) -> list[str]:
    return [row.incident.ref for row in queue_page(filters).rows]


def _tried(status: str) -> Incident:
    """An open incident whose only notification (to the US) is `status`: SMTP was down, say."""
    incident = ingest(url=f"https://{status}.example/login").incident
    Notification.objects.create(
        source="console",
        ref=f"n-{status}",
        incident=incident,
        sent_at=datetime.fromisoformat("2025-04-02T10:00:00+09:00"),
        recipient=f"abuse@{status}.example",
        recipient_country="US",
        status=status,
    )
    return incident


@pytest.mark.parametrize("status", ["failed", "queued"])
def test_an_incident_whose_only_notification_did_not_go_out_counts_as_not_notified(
    status: str,
) -> None:
    incident = _tried(status)

    assert _refs(QueueFilters(has_notification="no")) == [incident.ref]
    assert _refs(QueueFilters(has_notification="yes")) == []
    assert _refs(QueueFilters(country="US")) == []


def test_a_sent_notification_still_counts() -> None:
    incident = _tried("sent")

    assert _refs(QueueFilters(status="all", has_notification="yes")) == [incident.ref]
    assert _refs(QueueFilters(status="all", country="us")) == [incident.ref]
    assert _refs(QueueFilters(status="all", has_notification="no")) == []
