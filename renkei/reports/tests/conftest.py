"""Fixtures of the report tests: the imported scenario, and hand-made records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from renkei.intake.models import Report
from renkei.intake.tests.scenario import SCENARIO_REPORTS, import_scenario, wipe_records


def _import_scenario() -> None:
    summary = import_scenario()
    assert summary.rejected_count == 0, summary.rejected[:5]


@pytest.fixture(scope="module")
def scenario_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The scenario imported once (about 10 s) for the module of scenario tests.

    All scenario tests live in one module, so this runs once per test
    session; it is removed after that module, because the other tests
    count hand-made records in an otherwise empty database.
    """
    with django_db_blocker.unblock():
        _import_scenario()
        yield
        wipe_records()


@pytest.fixture
def scenario(scenario_db: None, db: None) -> None:
    """The scenario, imported again if a test module of another app emptied the database."""
    if Report.objects.filter(source="exchange").count() != SCENARIO_REPORTS:
        _import_scenario()
