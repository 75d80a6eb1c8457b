"""An import whose database connection is lost stops with that error, keeping what it committed.

PostgreSQL only: another session ends the import's backend between two batches
(pg_terminate_backend), as a server restart or a network cut would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, connection

from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.helpers import report, write_lines

pytestmark = pytest.mark.django_db(transaction=True)


def _end_backend(pid: int) -> None:
    params = connection.get_connection_params()
    keep = ("dbname", "host", "port", "user", "password")
    with psycopg.connect(**{k: v for k, v in params.items() if k in keep}, autocommit=True) as db:
        db.execute("SELECT pg_terminate_backend(%s)", [pid])


class _LosesItsConnectionInTheSecondBatch(ExchangeImporter):
    """The fault lands inside a batch, after its raw chunk was stored: the backend ends."""

    def _store(self, records: list[Any]) -> None:
        if self.summary.lines == 2:
            _end_backend(connection.connection.info.backend_pid)
        super()._store(records)


def test_a_lost_connection_stops_the_import_instead_of_rejecting_batches(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("optional: a SQLite database has no connection to lose")
    at = "2025-04-01T10:00:00+09:00"
    path = write_lines(
        tmp_path / "in.jsonl", [report(f"r{i}", at, url=f"https://s{i}.example/") for i in range(6)]
    )

    importer = _LosesItsConnectionInTheSecondBatch(batch_size=2)
    try:
        with pytest.raises(DatabaseError):
            importer.run(path)
    finally:
        connection.close()  # the next query opens a new connection

    assert importer.committed.imported["report"] == 2 and importer.committed.rejected_count == 0
    assert sorted(Report.objects.values_list("ref", flat=True)) == ["r0", "r1"]
    assert not RawReport.objects.filter(status="failed").exists()  # no line rejected for it
