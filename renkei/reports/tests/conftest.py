"""Fixtures of the report tests: the imported scenario, and hand-made records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from renkei.coordination.models import NoNotification, Notification, Resolution
from renkei.incidents.models import Brand, BrandAlias, Incident, IncidentPort
from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import RawReport, Report
from renkei.reports.models import QuarterNote

SCENARIO = Path(__file__).resolve().parents[3] / "../shared/scenarios/jpcert-fy2023-q1"
SCENARIO_REPORTS = 80_829


def wipe() -> None:
    for model in (Notification, NoNotification, Resolution, Report, RawReport, IncidentPort,
                  Incident, BrandAlias, Brand, QuarterNote):  # fmt: skip
        model.objects.all().delete()


def _import_scenario() -> None:
    wipe()
    summary = ExchangeImporter(source="exchange").run(SCENARIO / "scenario.jsonl.gz")
    assert summary.rejected_count == 0, summary.rejected[:5]


@pytest.fixture(scope="module")
def scenario_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The scenario imported once (about 10 s) for the module of scenario tests.

    All scenario tests live in one module, so this runs once per test
    session; it is removed after that module, because the other tests
    count hand-made records in an otherwise empty database.
    """
    if not (SCENARIO / "scenario.jsonl.gz").exists():
        pytest.skip(f"scenario data not found at {SCENARIO.resolve()}")
    with django_db_blocker.unblock():
        _import_scenario()
        yield
        wipe()


@pytest.fixture
def scenario(scenario_db: None, db: None) -> None:
    """The scenario, imported again if a test module of another app emptied the database."""
    if Report.objects.filter(source="exchange").count() != SCENARIO_REPORTS:
        _import_scenario()


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    return json.loads((SCENARIO / "expected.json").read_text(encoding="utf-8"))
