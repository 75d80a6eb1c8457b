"""The fiscal-2023-Q1 scenario: 80,829 reports whose incidents are the seed's figures."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from renkei.coordination.models import NoNotification, Notification, Resolution
from renkei.incidents.models import Brand, Incident
from renkei.intake.exporter import export_to_file
from renkei.intake.importer import ExchangeImporter, ImportSummary
from renkei.intake.models import Report
from renkei.intake.tests.scenario import SCENARIO_FILE, import_scenario, wipe_records

TZ = ZoneInfo("Asia/Tokyo")
pytestmark = [pytest.mark.scenario, pytest.mark.django_db]


@pytest.fixture(scope="module")
def scenario(django_db_setup: None, django_db_blocker: Any) -> Iterator[ImportSummary]:
    with django_db_blocker.unblock():
        yield import_scenario()
        wipe_records()


def _month_start(month: str) -> datetime:
    year, number = map(int, month.split("-"))
    return datetime(year, number, 1, tzinfo=TZ)


def _next(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def incidents_per_month(category: str, months: list[str]) -> list[int]:
    live = Incident.objects.filter(category=category, merged_into__isnull=True)
    return [
        live.filter(
            first_report_at__gte=_month_start(m), first_report_at__lt=_month_start(_next(m))
        ).count()
        for m in months
    ]


def snapshot() -> Counter[tuple[str, str, str | None]]:
    """Incidents per (local month, category, key): what 'the same incidents' means."""
    counts: Counter[tuple[str, str, str | None]] = Counter()
    rows = Incident.objects.filter(merged_into__isnull=True).values_list(
        "first_report_at", "category", "key"
    )
    for first, category, key in rows.iterator(chunk_size=5000):
        counts[(first.astimezone(TZ).strftime("%Y-%m"), category, key)] += 1
    return counts


def test_every_line_of_the_scenario_imports(scenario: ImportSummary) -> None:
    assert scenario.rejected_count == 0, scenario.rejected[:5]
    assert scenario.imported["report"] == Report.objects.count() == 80_829


def test_incidents_per_month_and_category_are_the_seed_figures(
    scenario: ImportSummary,
    expected: dict,  # type: ignore[type-arg]
) -> None:
    months = expected["period"]["months"]
    for row in expected["categories"]:
        assert incidents_per_month(row["category"], months) == row["months"], row["category"]


def test_incidents_of_the_trend_months_are_the_seed_figures(
    scenario: ImportSummary,
    expected: dict,  # type: ignore[type-arg]
) -> None:
    trends = expected["trends"]
    for category in ("phishing", "defacement", "malware_site", "scan"):
        assert incidents_per_month(category, trends["months"]) == trends[category], category


def test_incidents_of_earlier_quarters_match_the_comparisons(
    scenario: ImportSummary,
    expected: dict,  # type: ignore[type-arg]
) -> None:
    last_year = ["2022-04", "2022-05", "2022-06"]
    previous = ["2023-01", "2023-02", "2023-03"]
    for row in expected["categories"]:
        assert sum(incidents_per_month(row["category"], previous)) == row["previous_quarter"]
        assert sum(incidents_per_month(row["category"], last_year)) == row["same_quarter_last_year"]


def test_reimporting_the_scenario_adds_nothing(scenario: ImportSummary) -> None:
    before = (Report.objects.count(), Incident.objects.count(), Notification.objects.count())

    again = ExchangeImporter().run(SCENARIO_FILE)

    assert sum(again.imported.values()) == 0
    assert again.rejected_count == 0
    after = (Report.objects.count(), Incident.objects.count(), Notification.objects.count())
    assert after == before


def test_export_then_import_into_an_empty_database_gives_the_same_incidents(
    scenario: ImportSummary, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("export") / "all.jsonl.gz"
    before = snapshot()
    counts = (Notification.objects.count(), NoNotification.objects.count(),
              Resolution.objects.count(), Brand.objects.count())  # fmt: skip

    export_to_file(path)
    wipe_records()
    summary = ExchangeImporter().run(path)

    assert summary.rejected_count == 0
    assert snapshot() == before
    assert (Notification.objects.count(), NoNotification.objects.count(),
            Resolution.objects.count(), Brand.objects.count()) == counts  # fmt: skip


def test_the_suite_runs_on_the_configured_database() -> None:
    # CI runs this module twice, on SQLite and on PostgreSQL: make sure the second
    # pass really is on PostgreSQL rather than silently falling back.
    configured = os.environ.get("RENKEI_DATABASE_URL", "") or "sqlite:"
    expected = "postgresql" if configured.startswith(("postgres:", "postgresql:")) else "sqlite"
    assert connection.vendor == expected
