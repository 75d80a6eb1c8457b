"""Export then import into an empty database keeps every decision and resolution.

A line names "any report of the incident". Decisions and resolutions recorded in the
console have no report of their own, and a split moves reports but leaves the
incident's coordination records where they are.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.accounts.models import User
from renkei.coordination.decisions import incident_decide_no_notification, incident_resolve
from renkei.coordination.models import NoNotification, Resolution
from renkei.incidents.models import Incident
from renkei.incidents.services import incident_split
from renkei.incidents.tests.factories import ingest
from renkei.intake.exporter import export_to_file
from renkei.intake.importer import ExchangeImporter
from renkei.intake.tests.helpers import import_objects
from renkei.intake.tests.scenario import wipe_records

pytestmark = pytest.mark.django_db


def _state() -> list[tuple[str, str, int, int]]:
    return [
        (i.ref, i.status, i.no_notifications.count(), i.resolutions.count())
        for i in Incident.objects.order_by("ref")
    ]


def _export_wipe_import(tmp_path: Path) -> None:
    path = tmp_path / "all.jsonl"
    export_to_file(path)
    wipe_records()
    assert ExchangeImporter().run(path).rejected == []


def test_decisions_and_resolutions_made_in_the_console_come_back(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    quiet = ingest(category="scan", ip="198.51.100.7", ports=["22/tcp"]).incident
    fixed = ingest(url="https://a.example/login").incident
    incident_decide_no_notification(
        actor=personas["analyst"], incidents=[quiet], reason="low_threat"
    )
    incident_resolve(actor=personas["analyst"], incident=fixed)
    before = _state()
    assert [status for _, status, _, _ in before] != ["open", "open"]

    _export_wipe_import(tmp_path)

    assert _state() == before
    assert NoNotification.objects.get().reason == "low_threat"
    assert Resolution.objects.count() == 1


def test_a_resolution_stays_with_its_incident_when_its_report_was_split_out(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    first = ingest(url="https://b.example/login", at="2025-04-01T10:00:00+09:00")
    second = ingest(url="https://b.example/login", at="2025-04-02T10:00:00+09:00")
    import_objects(tmp_path, [{"kind": "resolution", "report": second.ref, "source": "test",
                               "resolved_at": "2025-04-03T10:00:00+09:00"}])  # fmt: skip
    incident_split(actor=personas["analyst"], incident=first.incident, report_ids=[second.pk])
    before = _state()
    assert sorted(status for _, status, _, _ in before) == ["open", "resolved"]

    _export_wipe_import(tmp_path)

    assert _state() == before
