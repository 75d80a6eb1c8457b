"""Merging incidents that share a decision made for both at once, and undoing it."""

from __future__ import annotations

from datetime import datetime

import pytest

from renkei.accounts.models import AuditEvent, User
from renkei.coordination.decisions import incident_decide_no_notification, incident_resolve
from renkei.coordination.models import NoNotification, Resolution
from renkei.incidents.models import Incident, IncidentMerge
from renkei.incidents.services import incident_merge, incident_unmerge
from renkei.incidents.tests.factories import ingest

pytestmark = pytest.mark.django_db


def _twins() -> tuple[Incident, Incident]:
    return (
        ingest(url="https://a.example/login", at="2025-04-01T10:00:00+09:00").incident,
        ingest(url="https://b.example/login", at="2025-04-02T10:00:00+09:00").incident,
    )


def _decisions(incident: Incident) -> list[str]:
    return list(NoNotification.objects.filter(incident=incident).values_list("reason", flat=True))


def test_twins_marked_no_notification_together_merge_into_one_decision_and_undo(
    personas: dict[str, User],
) -> None:
    target, source = _twins()
    incident_decide_no_notification(
        actor=personas["analyst"], incidents=[target, source], reason="low_threat"
    )

    incident_merge(actor=personas["analyst"], target=target, sources=[source])

    target.refresh_from_db()
    assert (target.status, _decisions(target)) == ("not_notified", ["low_threat"])
    # The same decision twice on one incident is what the constraint forbids: the source keeps it.
    assert _decisions(source) == ["low_threat"]
    merge = IncidentMerge.objects.get(source=source)
    assert merge.moved["no_notifications"] == []
    event = AuditEvent.objects.get(action="incident.merge", object_id=str(source.pk))
    assert len(event.after["kept"]["no_notifications"]) == 1

    incident_unmerge(actor=personas["analyst"], merge=merge)

    target.refresh_from_db()
    source.refresh_from_db()
    assert [(i.status, _decisions(i)) for i in (target, source)] == [
        ("not_notified", ["low_threat"]),
        ("not_notified", ["low_threat"]),
    ]
    assert source.report_count == 1 and target.report_count == 1


def test_twins_resolved_at_the_same_instant_merge_into_one_resolution_and_undo(
    personas: dict[str, User],
) -> None:
    target, source = _twins()
    at = datetime.fromisoformat("2025-04-05T09:00:00+09:00")
    for incident in (target, source):
        incident_resolve(actor=personas["analyst"], incident=incident, resolved_at=at)

    incident_merge(actor=personas["analyst"], target=target, sources=[source])

    assert Resolution.objects.filter(incident=target).count() == 1
    assert Resolution.objects.filter(incident=source).count() == 1
    merge = IncidentMerge.objects.get(source=source)
    incident_unmerge(actor=personas["analyst"], merge=merge)

    target.refresh_from_db()
    source.refresh_from_db()
    assert (target.status, source.status) == ("resolved", "resolved")
    assert Resolution.objects.filter(incident=source).count() == 1


def test_decisions_at_other_times_still_all_move_to_the_target(
    personas: dict[str, User],
) -> None:
    target, source = _twins()
    for incident, at in (
        (target, "2025-04-03T10:00:00+09:00"),
        (source, "2025-04-04T10:00:00+09:00"),
    ):
        incident_decide_no_notification(
            actor=personas["analyst"],
            incidents=[incident],
            reason="low_threat",
            decided_at=datetime.fromisoformat(at),
        )

    incident_merge(actor=personas["analyst"], target=target, sources=[source])

    assert (_decisions(target), _decisions(source)) == (["low_threat", "low_threat"], [])
