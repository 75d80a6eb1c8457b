"""An import that starts on an empty SQLite database answers from what it stored.

Until another connection writes (test_import_sees_what_others_wrote_between_batches),
the database holds exactly what the import stored, so its batches need not ask
for report refs, incident keys or incident refs: a first import of a whole feed
spent a tenth of its time on those lookups. The answers must stay the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from renkei.incidents.models import Incident
from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import Report
from renkei.intake.tests.helpers import report, write_lines

pytestmark = pytest.mark.django_db(transaction=True)
# sqlbulk._select_in's lookups: report refs, incident keys, incident refs.
LOOKUP = re.compile(r'WHERE "(ref|key)" IN \(')
FIRST, SECOND = "https://first.example.com/login", "https://second.example.com/"


@pytest.fixture
def lookups() -> Iterator[list[str]]:
    """The ref and key lookups this connection sends while the test runs."""
    if connection.vendor != "sqlite":
        pytest.skip("optional: only SQLite can tell that nobody else wrote (sqlbulk.OtherWriters)")
    connection.ensure_connection()
    seen: list[str] = []
    connection.connection.set_trace_callback(
        lambda sql: seen.append(sql) if LOOKUP.search(sql) else None
    )
    yield seen
    connection.connection.set_trace_callback(None)


def _lines(tmp_path: Path) -> Path:
    return write_lines(
        tmp_path / "in.jsonl",
        [
            report("a", "2025-04-01T10:00:00+09:00", category="phishing", url=FIRST),
            report("b", "2025-04-01T11:00:00+09:00", category="phishing", url=SECOND),
            report("c", "2025-04-01T12:00:00+09:00", category="phishing", url=FIRST),
            report("a", "2025-04-01T10:00:00+09:00", category="phishing", url=FIRST),
        ],
    )


def test_a_first_import_asks_for_no_ref_and_no_key_and_still_deduplicates(
    tmp_path: Path, lookups: list[str]
) -> None:
    summary = ExchangeImporter(batch_size=1).run(_lines(tmp_path))

    assert lookups == []
    assert (summary.imported["report"], summary.duplicates["report"]) == (3, 1)
    assert Incident.objects.get(key="first.example.com/login").report_count == 2
    assert Incident.objects.count() == 2 == summary.incidents_created


def test_an_import_into_a_database_that_holds_reports_looks_them_up(
    tmp_path: Path, lookups: list[str]
) -> None:
    path = _lines(tmp_path)
    ExchangeImporter(batch_size=1).run(path)

    again = ExchangeImporter(batch_size=1).run(path)

    assert lookups != []
    assert (again.imported["report"], again.duplicates["report"]) == (0, 4)
    assert Report.objects.count() == 3 and Incident.objects.count() == 2
