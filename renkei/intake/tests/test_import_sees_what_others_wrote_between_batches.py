"""A long import keeps what it learned between batches; others may write in between.

Another channel reporting the same site, or an analyst merging an incident
the import already knows, must not be overwritten or ignored by the next batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from renkei.accounts.models import User
from renkei.incidents.models import Incident, IncidentStatus
from renkei.incidents.services import incident_merge
from renkei.incidents.tests.factories import ingest
from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import Report
from renkei.intake.tests.helpers import report, write_lines

pytestmark = pytest.mark.django_db(transaction=True)
URL = "https://between.example.com/login"


@pytest.fixture(autouse=True)
def commit_every_batch(settings: Any) -> None:
    """Others write between commits; here every batch commits (not grouped on SQLite)."""
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 0


def _on_another_connection(work: Callable[[], None]) -> None:
    """Run `work` in a thread (its own database connection) and wait for it."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive() and errors == [], errors


def _import_one_line_per_batch(
    tmp_path: Path, lines: list[dict[str, object]], between: Callable[[], None]
) -> None:
    """Import with `between` run on another connection after the first batch."""
    done: list[int] = []

    def after_batch(_bytes: int, lines_done: int) -> None:
        if not done:
            done.append(lines_done)
            _on_another_connection(between)

    path = write_lines(tmp_path / "import.jsonl", lines)  # type: ignore[arg-type]
    summary = ExchangeImporter(batch_size=1, progress=after_batch).run(path)
    assert summary.rejected_count == 0, summary.rejected
    assert done == [1]


def test_a_report_from_another_channel_between_batches_is_counted(tmp_path: Path) -> None:
    lines = [
        report("a", "2025-04-01T10:00:00+09:00", category="phishing", url=URL),
        report("b", "2025-04-01T12:00:00+09:00", category="phishing", url=URL),
    ]

    _import_one_line_per_batch(
        tmp_path, lines, lambda: ingest(url=URL, at="2025-04-01T11:00:00+09:00", channel="email")
    )

    incident = Incident.objects.get()
    assert incident.report_count == 3 == Report.objects.filter(incident=incident).count()


def test_after_a_merge_between_batches_later_reports_join_the_merge_target(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    lines = [
        report("a", "2025-04-01T10:00:00+09:00", category="phishing", url=URL),
        report("b", "2025-04-01T12:00:00+09:00", category="phishing", url=URL),
    ]
    target = ingest(url="https://other.example.net/", at="2025-04-01T09:00:00+09:00").incident

    def merge_the_imported_incident() -> None:
        source = Incident.objects.get(key="between.example.com/login")
        incident_merge(actor=personas["analyst"], target=target, sources=[source])

    _import_one_line_per_batch(tmp_path, lines, merge_the_imported_incident)

    merged = Incident.objects.get(status=IncidentStatus.MERGED)
    # The merge moved its report to the target; nothing may arrive after it.
    assert merged.report_count == 0 == Report.objects.filter(incident=merged).count()
    assert Report.objects.get(ref="b").incident_id == target.pk


def test_a_first_import_into_an_empty_database_sees_a_new_key_written_in_between(
    tmp_path: Path,
) -> None:
    # Into an empty database an import answers from what it stored itself, until
    # another connection writes: then the key it has not met must be looked up.
    other_url = "https://other-between.example.com/"
    lines = [
        report("a", "2025-04-01T10:00:00+09:00", category="phishing", url=URL),
        report("b", "2025-04-01T12:00:00+09:00", category="phishing", url=other_url),
    ]

    _import_one_line_per_batch(
        tmp_path, lines, lambda: ingest(url=other_url, at="2025-04-01T11:00:00+09:00")
    )

    joined = Incident.objects.get(key="other-between.example.com/")
    assert joined.report_count == 2 == Report.objects.filter(incident=joined).count()


def test_a_first_import_into_an_empty_database_sees_a_ref_another_import_stored(
    tmp_path: Path,
) -> None:
    lines = [
        report("a", "2025-04-01T10:00:00+09:00", category="phishing", url=URL),
        report("c", "2025-04-01T12:00:00+09:00", category="phishing", url=URL),
    ]
    other_file = write_lines(
        tmp_path / "other.jsonl",
        [report("c", "2025-04-01T12:00:00+09:00", category="phishing", url=URL)],
    )

    _import_one_line_per_batch(tmp_path, lines, lambda: ExchangeImporter().run(other_file))

    assert Report.objects.filter(ref="c").count() == 1
    assert Incident.objects.get().report_count == 2
