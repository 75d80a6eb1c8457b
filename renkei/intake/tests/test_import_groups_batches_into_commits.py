"""On SQLite an import's batches share a transaction for RENKEI_IMPORT_COMMIT_SECONDS.

A batch that fails is still undone alone, everything is committed when the
import returns, and another writer waits for the group instead of failing: the
import pauses at a group's commit when a writer says it waits, and now and then
for writers that cannot say so.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from renkei.incidents.tests.factories import ingest
from renkei.intake.feeds.phishurl import PhishurlImporter
from renkei.intake.importer import ExchangeImporter, ImportSummary
from renkei.intake.models import RawReport, RawStatus, Report
from renkei.intake.tests.helpers import report, write_lines
from renkei.lib import grouped_commits
from renkei.lib.grouped_commits import GroupedCommits

pytestmark = pytest.mark.django_db(transaction=True)
PHISHURL = Path(__file__).parent / "fixtures" / "phishurl"
FAIL_ON_REF = "boom"


def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("optional: PostgreSQL commits every batch (lib/grouped_commits.py)")


def _count_commits() -> list[str]:
    """The COMMIT statements this connection sends from now on."""
    connection.ensure_connection()
    seen: list[str] = []
    connection.connection.set_trace_callback(
        lambda sql: seen.append(sql) if sql.strip().upper().startswith("COMMIT") else None
    )
    return seen


@pytest.fixture
def trigger_failing_on_a_ref() -> Iterator[None]:
    """The database refuses one report, as a full disk or a broken constraint would."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER test_fail_report BEFORE INSERT ON intake_report "
                f"WHEN NEW.ref = '{FAIL_ON_REF}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION test_fail_report() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.ref = '{FAIL_ON_REF}' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER test_fail_report BEFORE INSERT ON intake_report "
                "FOR EACH ROW EXECUTE FUNCTION test_fail_report()"
            )
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER test_fail_report")
        else:
            cursor.execute("DROP TRIGGER test_fail_report ON intake_report")
            cursor.execute("DROP FUNCTION test_fail_report()")


def test_a_feed_directory_commits_once_per_group_not_once_per_batch(
    settings: Any,
) -> None:
    _sqlite_only()
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 3600
    commits = _count_commits()

    grouped = PhishurlImporter(source="phishurl", batch_size=2).run(PHISHURL)

    assert grouped.imported["report"] > 4  # several batches in two files
    assert len(commits) == 1
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 0
    commits.clear()
    again = PhishurlImporter(source="phishurl", batch_size=2).run(PHISHURL)
    assert again.duplicates["report"] == grouped.imported["report"]
    assert len(commits) > again.duplicates["report"] // 2  # at least one per batch


def test_everything_is_committed_when_the_import_returns(settings: Any, tmp_path: Path) -> None:
    _sqlite_only()
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 3600
    lines = [
        report(f"r{i}", "2025-04-01T10:00:00+09:00", url=f"https://c{i}.example/") for i in range(5)
    ]

    ExchangeImporter(batch_size=2).run(write_lines(tmp_path / "in.jsonl", lines))

    other = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        assert other.execute("SELECT count(*) FROM intake_report").fetchone() == (5,)
    finally:
        other.close()


def test_a_failing_batch_is_undone_alone_and_its_lines_kept(
    settings: Any, tmp_path: Path, trigger_failing_on_a_ref: None
) -> None:
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 3600
    at = "2025-04-01T10:00:00+09:00"
    lines = [
        report("a", at, url="https://a.example/"),
        report("b", at, url="https://b.example/"),
        report(FAIL_ON_REF, at, url="https://boom.example/"),
        report("c", at, url="https://c.example/"),
    ]

    summary = ExchangeImporter(batch_size=2).run(write_lines(tmp_path / "in.jsonl", lines))

    assert sorted(Report.objects.values_list("ref", flat=True)) == ["a", "b"]
    assert [position for position, _ in summary.rejected] == [3, 4]
    assert all("internal error, batch not imported" in reason for _, reason in summary.rejected)
    failed = [bytes(raw.content) for raw in RawReport.objects.filter(status=RawStatus.FAILED)]
    batch = (tmp_path / "in.jsonl").read_bytes().splitlines(keepends=True)[2:]
    assert b"".join(batch) in failed  # the batch's chunk, as read, beside each line's record
    assert RawReport.objects.filter(status=RawStatus.PARSED).count() == 1


class _SlowStoring(ExchangeImporter):
    """Takes a while over each batch, inside its group, so that the import lasts;
    keeps its GroupedCommits to count the pauses it made for other writers."""

    commits: GroupedCommits

    def _import_grouped(self, commits: GroupedCommits, parsed: Any) -> None:
        self.commits = commits
        super()._import_grouped(commits, parsed)

    def _import_batch(self, parsed: Any) -> None:
        time.sleep(0.02)
        super()._import_batch(parsed)


def _reports(tmp_path: Path, count: int) -> Path:
    """A file of `count` reports, each of a URL of its own."""
    at = "2025-04-01T10:00:00+09:00"
    lines = [report(f"r{n}", at, url=f"https://r{n}.example/") for n in range(count)]
    return write_lines(tmp_path / "in.jsonl", lines)


def _import_with_a_writer(path: Path, importer: _SlowStoring, write: Callable[[], None]) -> None:
    """Runs the import, starting `write` in a thread after three lines."""
    writer = threading.Thread(target=write)

    def after_batch(_bytes: int, lines_done: int) -> None:
        if lines_done == 3:
            writer.start()  # waits on the open group

    importer.progress = after_batch
    importer.run(path)
    writer.join(30)


@pytest.fixture
def short_groups(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups of 0.2 s, and no pause but for a writer that says it waits."""
    _sqlite_only()
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 0.2
    monkeypatch.setattr(grouped_commits, "GIVE_WAY_ANYWAY_SECONDS", 3600)


def _renkei_writer(
    importer: _SlowStoring, lines_when_in: list[int], holds: float = 0.0
) -> Callable[[], None]:
    """A transaction on a Django connection of its own, as the web form's: it notes
    how far the import was when it got in, and keeps the lock `holds` seconds."""

    def write() -> None:
        try:
            with transaction.atomic():
                lines_when_in.append(importer.summary.lines)
                time.sleep(holds)
        finally:
            connection.close()

    return write


def test_a_renkei_writer_gets_its_turn_at_the_next_group_commit_as_it_says_it_waits(
    short_groups: None, tmp_path: Path
) -> None:
    # It touches the waiting marker (lib/sqlite_engine), and the import pauses
    # at its next commit; here it would never pause for writers unannounced.
    importer = _SlowStoring(batch_size=1)
    lines_when_in: list[int] = []

    _import_with_a_writer(_reports(tmp_path, 60), importer, _renkei_writer(importer, lines_when_in))

    assert lines_when_in and lines_when_in[0] < 30
    assert importer.commits.pauses >= 1
    assert Report.objects.count() == 60


def test_the_import_does_not_pause_for_itself_when_it_waited_for_the_writer_it_let_in(
    short_groups: None, tmp_path: Path
) -> None:
    # The writer it paused for is still at work when the next group begins, so the
    # import's own BEGIN finds the database busy and says so: that is no one waiting.
    importer = _SlowStoring(batch_size=1)
    lines_when_in: list[int] = []

    _import_with_a_writer(
        _reports(tmp_path, 60), importer, _renkei_writer(importer, lines_when_in, holds=0.5)
    )

    assert lines_when_in and lines_when_in[0] < 30
    assert importer.commits.pauses == 1


def test_a_writer_that_does_not_say_it_waits_still_gets_its_turn_between_groups(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sqlite3 shell or another program: the lock is free only for an instant
    # between two groups (the next batch is read ahead), and SQLite's busy handler,
    # sleeping up to 100 ms between attempts, would miss it until the import ended
    # but for the pause the import makes every GIVE_WAY_ANYWAY_SECONDS, shortened here.
    _sqlite_only()
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 0.2
    monkeypatch.setattr(grouped_commits, "GIVE_WAY_ANYWAY_SECONDS", 0.5)
    count = 100
    path = _reports(tmp_path, count)
    importer = _SlowStoring(batch_size=1)
    lines_when_in: list[int] = []

    def other_program() -> None:
        other = sqlite3.connect(connection.settings_dict["NAME"], timeout=10, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            lines_when_in.append(importer.summary.lines)
            other.execute("ROLLBACK")
        finally:
            other.close()

    _import_with_a_writer(path, importer, other_program)

    assert lines_when_in and lines_when_in[0] < count
    assert Report.objects.count() == count


def test_with_nobody_waiting_an_import_of_several_groups_does_not_pause(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sqlite_only()
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 0.05
    monkeypatch.setattr(
        grouped_commits, "GIVE_WAY_ANYWAY_SECONDS", 3600
    )  # however slow the machine
    count = 40
    path = _reports(tmp_path, count)
    importer = _SlowStoring(batch_size=1)
    commits = _count_commits()

    importer.run(path)

    assert importer.summary.lines == count
    assert len(commits) >= 5
    assert importer.commits.pauses == 0


def test_a_writer_waiting_during_a_group_writes_once_it_is_committed(
    settings: Any, tmp_path: Path
) -> None:
    _sqlite_only()
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 3600
    url = "https://waiting.example.com/login"
    lines = [
        report("a", "2025-04-01T10:00:00+09:00", category="phishing", url=url),
        report("b", "2025-04-01T12:00:00+09:00", category="phishing", url=url),
    ]
    errors: list[BaseException] = []

    def web_form_report() -> None:
        try:
            ingest(url=url, at="2025-04-01T11:00:00+09:00", channel="web")
        except BaseException as exc:  # noqa: BLE001 - checked below
            errors.append(exc)
        finally:
            connection.close()

    writer = threading.Thread(target=web_form_report)

    def after_batch(_bytes: int, lines_done: int) -> None:
        if lines_done == 1:
            writer.start()  # blocks on the import's open transaction

    ExchangeImporter(batch_size=1, progress=after_batch).run(
        write_lines(tmp_path / "in.jsonl", lines)
    )
    writer.join(30)

    assert not writer.is_alive() and errors == []
    assert Report.objects.filter(incident__key="waiting.example.com/login").count() == 3


def test_an_interrupted_import_keeps_the_batches_it_finished(settings: Any, tmp_path: Path) -> None:
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 3600
    at = "2025-04-01T10:00:00+09:00"
    lines = [report(ref, at, url=f"https://{ref}.example/") for ref in ("a", "b", "c")]

    def interrupt_after_two(_bytes: int, lines_done: int) -> None:
        if lines_done == 2:
            raise KeyboardInterrupt  # Ctrl-C while the group is open

    importer = ExchangeImporter(batch_size=1, progress=interrupt_after_two)
    with pytest.raises(KeyboardInterrupt):
        importer.run(write_lines(tmp_path / "in.jsonl", lines))

    assert not connection.in_atomic_block
    assert sorted(Report.objects.values_list("ref", flat=True)) == ["a", "b"]
    assert (importer.committed.lines, importer.committed.imported["report"]) == (2, 2)


def test_an_interrupted_feed_directory_counts_what_it_kept_over_all_its_files(
    settings: Any,
) -> None:
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 3600
    first_file = len((PHISHURL / "2024" / "202401.csv").read_bytes().splitlines())
    seen: list[int] = []

    def interrupt_in_the_second_file(_bytes: int, lines_done: int) -> None:
        seen.append(lines_done)
        if lines_done > first_file:
            raise KeyboardInterrupt

    importer = PhishurlImporter(
        source="phishurl", batch_size=2, progress=interrupt_in_the_second_file
    )
    with pytest.raises(KeyboardInterrupt):
        importer.run(PHISHURL)

    assert importer.summary.lines == seen[-1] > first_file
    assert Report.objects.count() == importer.summary.imported["report"] > 0
    assert importer.committed.as_dict() == importer.summary.as_dict()


class _InterruptedAtTheStartOf(PhishurlImporter):
    """Ctrl-C while the first line of a given file is being read."""

    def __init__(self, file: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.file = file

    def parse_row(self, position: int, line: bytes) -> Any:
        if self.current_file == self.file and position == 1:
            raise KeyboardInterrupt
        return super().parse_row(position, line)


def test_interrupted_before_a_files_first_batch_counts_only_the_files_done(
    settings: Any,
) -> None:
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 3600
    first_file = len((PHISHURL / "2024" / "202401.csv").read_bytes().splitlines())
    importer = _InterruptedAtTheStartOf("2024/202402.csv", source="phishurl", batch_size=2)

    with pytest.raises(KeyboardInterrupt):
        importer.run(PHISHURL)

    assert importer.summary.lines == first_file
    assert Report.objects.count() == importer.summary.imported["report"] > 0
    assert importer.committed.as_dict() == importer.summary.as_dict()


def test_an_error_that_ends_the_whole_transaction_stops_the_import_with_that_error(
    settings: Any, tmp_path: Path
) -> None:
    _sqlite_only()
    settings.RENKEI_IMPORT_COMMIT_SECONDS = 3600
    with connection.cursor() as cursor:  # as SQLite does on a full disk: all is rolled back
        cursor.execute(
            "CREATE TRIGGER test_end_transaction BEFORE INSERT ON intake_report "
            f"WHEN NEW.ref = '{FAIL_ON_REF}' BEGIN SELECT RAISE(ROLLBACK, 'disk full'); END"
        )
    at = "2025-04-01T10:00:00+09:00"
    refs = ["a", "b", FAIL_ON_REF, "c"]
    path = write_lines(
        tmp_path / "in.jsonl", [report(r, at, url=f"https://{r}.example/") for r in refs]
    )

    importer = ExchangeImporter(batch_size=2)
    # Django's class, which `renkei import` turns into "stopped by a database error".
    with pytest.raises(DatabaseError, match="disk full"):
        importer.run(path)

    assert not connection.in_atomic_block
    assert not Report.objects.exists()  # the open group went with it
    assert importer.committed.as_dict() == ImportSummary().as_dict()  # and it says so
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_end_transaction")
    again = ExchangeImporter(batch_size=2).run(path)
    assert (again.imported["report"], again.rejected_count) == (4, 0)
