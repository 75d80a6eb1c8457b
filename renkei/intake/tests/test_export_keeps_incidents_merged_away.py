"""Export then import into an empty database keeps what an analyst merged.

A merged-away incident has no reports left, so the export had nothing to say about it:
after a restore it and its merge record were gone, and the incident it was merged into
took its earliest report's key. A later report with the merged-away key, or with the
target's own key when the merged-away reports were older, then opened a new incident
instead of joining the one the analyst had made of them (one more in the statistics).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from renkei.accounts.models import User
from renkei.incidents.models import Incident, IncidentMerge
from renkei.incidents.services import incident_merge, incident_split, incident_unmerge
from renkei.incidents.tests.factories import ingest
from renkei.intake.exporter import export_to_file
from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import Report
from renkei.intake.tests.scenario import wipe_records

pytestmark = pytest.mark.django_db


def _incidents() -> list[tuple[str, str, str | None, str, str | None, int]]:
    rows = Incident.objects.order_by("ref").values_list(
        "ref", "category", "key", "status", "merged_into__ref", "report_count"
    )
    return list(rows)


def _merges() -> list[tuple[str, str, list[str]]]:
    refs = dict(Report.objects.values_list("id", "ref"))
    return [
        (m.source.ref, m.target.ref, sorted(refs[pk] for pk in m.moved["reports"]))
        for m in IncidentMerge.objects.order_by("source__ref").select_related("source", "target")
    ]


def _export_wipe_import(tmp_path: Path) -> Path:
    path = tmp_path / "all.jsonl"
    export_to_file(path)
    wipe_records()
    assert ExchangeImporter().run(path).rejected == []
    return path


def _site(host: str, at: str) -> Report:
    return ingest(url=f"https://{host}/login", at=at)


def test_a_report_with_the_merged_away_key_joins_the_incident_after_a_restore(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    target = _site("a.example", "2025-04-01T10:00:00+09:00").incident
    away = _site("b.example", "2025-04-02T10:00:00+09:00").incident
    incident_merge(actor=personas["analyst"], target=target, sources=[away])
    before = (_incidents(), _merges())

    _export_wipe_import(tmp_path)

    assert (_incidents(), _merges()) == before
    assert _site("b.example", "2025-04-05T10:00:00+09:00").incident.ref == target.ref


def test_the_target_keeps_its_key_when_the_merged_away_reports_are_older(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    target = _site("a.example", "2025-04-02T10:00:00+09:00").incident
    away = _site("b.example", "2025-04-01T10:00:00+09:00").incident
    incident_merge(actor=personas["analyst"], target=target, sources=[away])
    before = _incidents()

    _export_wipe_import(tmp_path)

    assert _incidents() == before
    assert Incident.objects.get(ref=target.ref).key == "a.example/login"
    assert _site("a.example", "2025-04-05T10:00:00+09:00").incident.ref == target.ref


def test_a_chain_of_merges_comes_back_and_can_be_undone_step_by_step(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    first = _site("a.example", "2025-04-01T10:00:00+09:00").incident
    middle = _site("b.example", "2025-04-02T10:00:00+09:00").incident
    last = _site("c.example", "2025-04-03T10:00:00+09:00").incident
    incident_merge(actor=personas["analyst"], target=middle, sources=[first])
    incident_merge(actor=personas["analyst"], target=last, sources=[middle])
    before = (_incidents(), _merges())

    path = _export_wipe_import(tmp_path)

    assert (_incidents(), _merges()) == before
    latest = IncidentMerge.objects.get(source__ref=middle.ref)
    incident_unmerge(actor=personas["analyst"], merge=latest)
    assert Incident.objects.get(ref=middle.ref).report_count == 2
    # A second import of the same file changes nothing.
    again = ExchangeImporter().run(path)
    assert again.rejected == [] and again.incidents_created == 0


def test_a_report_split_out_after_the_merge_does_not_name_it(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    own = _site("a.example", "2025-04-01T10:00:00+09:00")
    split = _site("b.example", "2025-04-02T10:00:00+09:00")
    stayed = _site("b.example", "2025-04-03T10:00:00+09:00")
    incident_merge(actor=personas["analyst"], target=own.incident, sources=[split.incident])
    incident_split(actor=personas["analyst"], incident=own.incident, report_ids=[split.pk])
    path = tmp_path / "all.jsonl"

    export_to_file(path)

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    named = {o["ref"]: [m["incident"] for m in o.get("merged_from", [])] for o in lines}
    assert named == {own.ref: [], split.ref: [], stayed.ref: [split.incident.ref]}


def test_a_merge_comes_back_whole_when_its_reports_fall_in_different_batches(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    target = _site("a.example", "2025-04-01T10:00:00+09:00").incident
    away = _site("b.example", "2025-04-02T10:00:00+09:00").incident
    _site("b.example", "2025-04-03T10:00:00+09:00")
    incident_merge(actor=personas["analyst"], target=target, sources=[away])
    before = (_incidents(), _merges())
    path = tmp_path / "all.jsonl"
    export_to_file(path)
    wipe_records()

    assert ExchangeImporter(batch_size=1).run(path).rejected == []

    assert (_incidents(), _merges()) == before
    assert Incident.objects.get(ref=away.ref).first_report_at == away.first_report_at


def test_a_merged_from_that_names_no_incident_merged_into_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    step = {"incident": "I-0000000001", "category": "phishing",
            "merged_at": "2025-04-05T10:00:00+09:00"}  # fmt: skip
    lines = [
        {"kind": "report", "ref": "r1", "received_at": "2025-04-01T10:00:00+09:00",
         "url": "https://a.example/", "category": "phishing", "merged_from": [step]},
        {"kind": "report", "ref": "r2", "received_at": "2025-04-01T10:00:00+09:00",
         "url": "https://a.example/", "category": "phishing", "incident": "I-0000000001",
         "merged_from": [step]},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")

    assert ExchangeImporter().run(path).rejected == [
        (1, "field 'merged_from' needs 'incident', the incident merged into"),
        (2, "field 'merged_from' names an incident twice"),
    ]
