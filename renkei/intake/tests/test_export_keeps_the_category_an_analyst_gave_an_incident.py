"""Export then import into an empty database: an incident keeps the category an analyst gave it.

An analyst's category is the incident's, not its reports': reclassifying an incident
leaves its reports as they came, and a merge brings reports of another category.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.accounts.models import User
from renkei.incidents.models import Incident
from renkei.incidents.services import incident_classify, incident_merge
from renkei.incidents.tests.factories import ingest
from renkei.intake.exporter import export_to_file
from renkei.intake.importer import ExchangeImporter
from renkei.intake.tests.scenario import wipe_records

pytestmark = pytest.mark.django_db


def _incidents() -> list[tuple[str, str, str | None, int]]:
    rows = Incident.objects.filter(merged_into__isnull=True).order_by("ref")
    return list(rows.values_list("ref", "category", "key", "report_count"))


def _export_wipe_import(tmp_path: Path) -> None:
    path = tmp_path / "all.jsonl"
    export_to_file(path)
    wipe_records()
    assert ExchangeImporter().run(path).rejected == []


def test_a_reclassified_incident_comes_back_with_its_category_and_key(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    unsure = ingest(category=None, url="https://a.example/login").incident  # classifier: other
    incident_classify(actor=personas["analyst"], incidents=[unsure], category="phishing")
    before = _incidents()
    assert before == [(unsure.ref, "phishing", "a.example/login", 1)]

    _export_wipe_import(tmp_path)

    assert _incidents() == before
    # The key came back too: a later report of the site joins the incident.
    assert ingest(url="https://a.example/login/").incident.ref == unsure.ref


def test_a_merge_target_keeps_its_category_when_an_earlier_report_came_from_another(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    target = ingest(category="malware_site", url="https://b.example/x.exe",
                    at="2025-04-02T10:00:00+09:00").incident  # fmt: skip
    source = ingest(category="phishing", url="https://b.example/login",
                    at="2025-04-01T10:00:00+09:00").incident  # fmt: skip
    incident_merge(actor=personas["analyst"], target=target, sources=[source])

    _export_wipe_import(tmp_path)

    assert _incidents() == [(target.ref, "malware_site", "b.example/x.exe", 2)]
    assert (
        Incident.objects.get(ref=source.ref).merged_into_id
        == Incident.objects.get(ref=target.ref).pk
    )
