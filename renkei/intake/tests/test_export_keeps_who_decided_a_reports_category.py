"""Export then import into an empty database: who decided a report's category survives,
and with it the brand an analyst decided for the incident (its phishing origin)."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.accounts.models import User
from renkei.incidents.models import Brand, Incident
from renkei.incidents.services import incident_recompute
from renkei.incidents.tests.factories import ingest
from renkei.intake.exporter import export_to_file
from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import Report
from renkei.intake.review import report_classify
from renkei.intake.tests.helpers import import_objects, report
from renkei.intake.tests.scenario import wipe_records

pytestmark = pytest.mark.django_db


def _export_wipe_import(tmp_path: Path) -> None:
    path = tmp_path / "all.jsonl"
    export_to_file(path)
    wipe_records()
    assert ExchangeImporter().run(path).rejected == []


def _rakuten_and_amazon(tmp_path: Path) -> None:
    import_objects(tmp_path, [
        {"kind": "brand", "name": "楽天", "country": "JP", "industry": "ecommerce"},
        {"kind": "brand", "name": "Amazon", "country": "US", "industry": "ecommerce"},
    ])  # fmt: skip


def test_an_analysts_brand_stays_the_incidents_brand_after_a_restore(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    _rakuten_and_amazon(tmp_path)
    ingest(url="https://b.example/login", brand="Amazon", at="2025-04-01T10:00:00+09:00")
    second = ingest(url="https://b.example/login", brand="Amazon", at="2025-04-02T10:00:00+09:00")
    rakuten = Brand.objects.get(name="楽天")
    report_classify(actor=personas["analyst"], report=second, category="phishing", brand=rakuten)
    assert Incident.objects.get().brand == rakuten  # domestic, not overseas

    _export_wipe_import(tmp_path)

    incident = Incident.objects.get()
    assert (incident.report_count, incident.brand.name) == (2, "楽天")  # type: ignore[union-attr]
    assert Report.objects.get(ref=second.ref).category_origin == "analyst"


def test_a_category_the_classifier_chose_is_still_marked_as_the_classifiers(
    tmp_path: Path,
) -> None:
    guessed = ingest(category=None, url="https://c.example/")
    given = ingest(category="defacement", url="https://d.example/")
    assert (guessed.category_origin, given.category_origin) == ("classifier", "reporter")

    _export_wipe_import(tmp_path)

    origins = dict(Report.objects.values_list("ref", "category_origin"))
    assert origins == {guessed.ref: "classifier", given.ref: "reporter"}


def test_an_import_does_not_replace_a_brand_an_analyst_decided_on_a_stored_incident(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    # A restore run again, or a second export of the same instance: the stored incident's
    # brand was decided first, so a later decided report does not replace it (as when the
    # incident's brand is recomputed from its reports, incidents.services._brand_of).
    _rakuten_and_amazon(tmp_path)
    first = ingest(url="https://e.example/login", brand="Amazon", at="2025-04-01T10:00:00+09:00")
    rakuten = Brand.objects.get(name="楽天")
    report_classify(actor=personas["analyst"], report=first, category="phishing", brand=rakuten)

    later = report(
        "later", "2025-04-03T10:00:00+09:00", url="https://e.example/login", category="phishing",
        category_origin="analyst", brand="Amazon",
    )  # fmt: skip
    assert import_objects(tmp_path, [later]).imported["report"] == 1

    incident = Incident.objects.get()
    assert incident.report_count == 2
    assert incident.brand == rakuten
    assert incident_recompute(incident).brand == rakuten
