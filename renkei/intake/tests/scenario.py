"""The fiscal-2023-Q1 scenario for tests: where it is, importing it, clearing it away.

Tests that import it wrap it in a module-scoped fixture and clear it afterwards,
because the other tests count hand-made records in an otherwise empty database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.coordination.models import NoNotification, Notification, Resolution
from renkei.incidents.models import Brand, BrandAlias, Incident, IncidentMerge, IncidentPort
from renkei.intake.importer import ExchangeImporter, ImportSummary
from renkei.intake.models import RawReport, Report
from renkei.reports.models import QuarterNote

SCENARIO = Path(__file__).resolve().parents[3].parent / "shared/scenarios/jpcert-fy2023-q1"
SCENARIO_FILE = SCENARIO / "scenario.jsonl.gz"
SCENARIO_REPORTS = 80_829


def wipe_records() -> None:
    """Delete every record the scenario (or an export of it) brings, in FK order."""
    IncidentMerge.objects.all().delete()
    Incident.objects.exclude(merged_into=None).update(merged_into=None)
    for model in (Notification, NoNotification, Resolution, Report, RawReport, IncidentPort,
                  Incident, BrandAlias, Brand, QuarterNote):  # fmt: skip
        model.objects.all().delete()


def import_scenario() -> ImportSummary:
    """Into an emptied database; skips the test when the data is not beside the repo."""
    if not SCENARIO_FILE.exists():
        pytest.skip(f"scenario data not found at {SCENARIO.resolve()}")
    wipe_records()
    return ExchangeImporter().run(SCENARIO_FILE)
