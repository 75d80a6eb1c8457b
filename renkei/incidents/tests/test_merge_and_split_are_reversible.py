"""Merging and splitting incidents move reports, recompute what derives from them, and undo."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count

from renkei.accounts.models import AuditEvent, User
from renkei.coordination.models import Notification
from renkei.incidents.models import Incident, IncidentMerge, IncidentPort
from renkei.incidents.services import incident_merge, incident_split, incident_unmerge
from renkei.incidents.tests.factories import ingest
from renkei.lib.errors import PermissionDenied, ValidationError


def _live_incidents_per_month() -> dict[str, int]:
    """What the statistics count: incidents by the month of their first report, merged excluded."""
    rows = Incident.objects.exclude(status="merged").values_list("first_report_at", flat=True)
    counts: dict[str, int] = {}
    for at in rows:
        month = at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m")
        counts[month] = counts.get(month, 0) + 1
    return counts


def _scan(ip: str, at: str, ports: list[str]) -> Incident:
    return ingest(category="scan", ip=ip, at=at, ports=ports).incident


@pytest.mark.django_db
def test_merging_moves_reports_and_recomputes_counts_times_brand_and_ports(
    personas: dict[str, User],
) -> None:
    target = ingest(url="https://a.example/login", at="2025-05-10T10:00:00+09:00").incident
    source = ingest(
        url="https://b.example/login", at="2025-04-02T09:00:00+09:00", brand="Example Bank"
    ).incident
    ingest(url="https://b.example/login", at="2025-04-03T09:00:00+09:00")
    Notification.objects.create(
        source="x",
        ref="n1",
        incident=source,
        sent_at=datetime.fromisoformat("2025-04-04T00:00:00+09:00"),
        recipient="abuse@b.example",
    )

    incident_merge(actor=personas["analyst"], target=target, sources=[source])

    target.refresh_from_db()
    source.refresh_from_db()
    assert (source.status, source.merged_into_id, source.report_count) == ("merged", target.pk, 0)
    assert target.report_count == 3
    assert target.first_report_at == datetime.fromisoformat("2025-04-02T09:00:00+09:00")
    assert target.last_report_at == datetime.fromisoformat("2025-05-10T10:00:00+09:00")
    assert target.brand is not None and target.brand.name == "Example Bank"
    assert target.status == "notified"
    assert Notification.objects.get(ref="n1").incident_id == target.pk
    assert _live_incidents_per_month() == {"2025-04": 1}
    assert AuditEvent.objects.filter(action="incident.merge", object_id=str(source.pk)).exists()
    assert AuditEvent.objects.filter(action="incident.merge", object_id=str(target.pk)).exists()


@pytest.mark.django_db
def test_merging_scan_incidents_unions_their_ports_and_port_rows(personas: dict[str, User]) -> None:
    target = _scan("192.0.2.1", "2025-04-01T10:00:00+09:00", ["22/tcp"])
    source = _scan("192.0.2.2", "2025-04-01T11:00:00+09:00", ["23/tcp", "22/tcp"])

    incident_merge(actor=personas["analyst"], target=target, sources=[source])

    target.refresh_from_db()
    assert target.ports == ["22/tcp", "23/tcp"]
    assert sorted(IncidentPort.objects.filter(incident=target).values_list("port", flat=True)) == [
        22,
        23,
    ]
    assert not IncidentPort.objects.filter(incident=source).exists()


@pytest.mark.django_db
def test_undoing_a_merge_restores_both_incidents_and_the_statistics(
    personas: dict[str, User],
) -> None:
    target = ingest(url="https://a.example/x", at="2025-05-10T10:00:00+09:00").incident
    source = ingest(url="https://b.example/x", at="2025-04-02T09:00:00+09:00").incident
    before = _live_incidents_per_month()
    incident_merge(actor=personas["analyst"], target=target, sources=[source])

    incident_unmerge(actor=personas["analyst"], merge=IncidentMerge.objects.get(source=source))

    target.refresh_from_db()
    source.refresh_from_db()
    assert (source.status, source.merged_into_id, source.report_count) == ("open", None, 1)
    assert target.report_count == 1
    assert target.first_report_at == datetime.fromisoformat("2025-05-10T10:00:00+09:00")
    assert _live_incidents_per_month() == before == {"2025-04": 1, "2025-05": 1}
    assert AuditEvent.objects.filter(action="incident.unmerge").count() == 2
    with pytest.raises(ValidationError):
        incident_unmerge(actor=personas["analyst"], merge=IncidentMerge.objects.get(source=source))


@pytest.mark.django_db
def test_splitting_moves_reports_to_a_new_incident_and_merging_it_back_undoes_it(
    personas: dict[str, User],
) -> None:
    first = ingest(url="https://a.example/x", at="2025-04-01T10:00:00+09:00")
    second = ingest(url="https://a.example/x", at="2025-04-20T10:00:00+09:00")
    incident = first.incident
    assert second.incident_id == incident.pk

    new = incident_split(actor=personas["analyst"], incident=incident, report_ids=[second.pk])

    incident.refresh_from_db()
    assert (incident.report_count, new.report_count) == (1, 1)
    assert new.first_report_at == second.received_at and new.key == "a.example/x"
    assert incident.last_report_at == first.received_at
    assert AuditEvent.objects.filter(action="incident.split", object_id=str(new.pk)).exists()

    incident_merge(actor=personas["analyst"], target=incident, sources=[new])
    incident.refresh_from_db()
    assert incident.report_count == 2
    assert Incident.objects.exclude(status="merged").aggregate(n=Count("pk"))["n"] == 1


@pytest.mark.django_db
def test_a_split_must_leave_the_incident_a_report_and_take_only_its_own(
    personas: dict[str, User],
) -> None:
    only = ingest(url="https://a.example/x")
    other = ingest(url="https://b.example/x")
    with pytest.raises(ValidationError):
        incident_split(actor=personas["analyst"], incident=only.incident, report_ids=[only.pk])
    with pytest.raises(ValidationError):
        incident_split(actor=personas["analyst"], incident=only.incident, report_ids=[other.pk])


@pytest.mark.django_db
def test_merged_incidents_cannot_be_merged_again_and_outsiders_cannot_merge(
    personas: dict[str, User],
) -> None:
    a, b, c = (ingest(url=f"https://{n}.example/x").incident for n in "abc")
    incident_merge(actor=personas["analyst"], target=a, sources=[b])
    with pytest.raises(ValidationError):
        incident_merge(actor=personas["analyst"], target=c, sources=[b])
    with pytest.raises(PermissionDenied):
        incident_merge(actor=personas["outsider"], target=a, sources=[c])
    with pytest.raises(PermissionDenied):
        incident_merge(actor=personas["participant_a"], target=a, sources=[c])


def _a_merged_into_b(personas: dict[str, User]) -> tuple[Incident, Incident]:
    merged_away = ingest(url="https://a.example.com/x").incident
    target = ingest(url="https://b.example.com/y").incident
    incident_merge(actor=personas["coordinator"], target=target, sources=[merged_away])
    return merged_away, target


def test_a_new_report_for_a_merged_away_key_joins_the_incident_it_was_merged_into(
    personas: dict[str, User],
) -> None:
    merged_away, target = _a_merged_into_b(personas)

    later = ingest(url="https://a.example.com/x", at="2025-04-01T11:00:00+09:00")

    assert later.incident_id == target.id != merged_away.id
    target.refresh_from_db()
    assert target.report_count == 3
    assert Incident.objects.exclude(status="merged").count() == 1


def test_merges_are_followed_to_the_live_incident(personas: dict[str, User]) -> None:
    first = ingest(url="https://a.example.com/x").incident
    second = ingest(url="https://b.example.com/y").incident
    third = ingest(url="https://c.example.com/z").incident
    incident_merge(actor=personas["coordinator"], target=second, sources=[first])
    incident_merge(actor=personas["coordinator"], target=third, sources=[second])

    later = ingest(url="https://a.example.com/x", at="2025-04-01T11:00:00+09:00")

    assert later.incident_id == third.id


def test_after_an_unmerge_the_key_has_its_own_incident_again(personas: dict[str, User]) -> None:
    source = ingest(url="https://a.example.com/x").incident
    target = ingest(url="https://b.example.com/y").incident
    incident_merge(actor=personas["coordinator"], target=target, sources=[source])
    incident_unmerge(actor=personas["coordinator"], merge=IncidentMerge.objects.get(source=source))

    later = ingest(url="https://a.example.com/x", at="2025-04-01T11:00:00+09:00")

    assert later.incident_id == source.id


def test_a_report_outside_the_window_of_the_merge_target_opens_a_new_incident(
    personas: dict[str, User],
) -> None:
    merged_away, target = _a_merged_into_b(personas)

    later = ingest(url="https://a.example.com/x", at="2025-06-01T10:00:00+09:00")

    assert later.incident_id not in (merged_away.id, target.id)
    assert later.incident.key == "a.example.com/x"
