from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from renkei.coordination.models import Notification
from renkei.incidents.models import Incident
from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import RawReport, RawStatus, Report
from renkei.intake.tests.helpers import import_objects, report, write_lines

pytestmark = pytest.mark.django_db

GOOD_1 = report(
    "g1", "2023-04-01T10:00:00+09:00", category="phishing", url="https://a.example.com/x"
)
GOOD_2 = report(
    "g2", "2023-04-01T11:00:00+09:00", category="scan", ip="198.51.100.7", ports=["22/tcp"]
)
BAD_LINES = [
    '{"kind": "report", "ref": "t1", "received_at": "2023-04-01T10:',  # truncated JSON
    {"kind": "ticket", "ref": "u1"},
    {
        "kind": "notification",
        "ref": "n1",
        "report": "nowhere",
        "sent_at": "2023-04-02T00:00:00Z",
        "recipient": "abuse@example.net",
    },
    report("t2", "2023-04-01T10:00:00", category="phishing", url="https://b.example.com/"),
    report("t3", "2023-04-01T10:00:00Z", category="phishing", url="https://exa mple..com:99999/"),
]


def test_it_reports_one_clear_message_per_bad_line_and_keeps_the_good_ones(tmp_path: Path) -> None:
    summary = import_objects(tmp_path, [GOOD_1, *BAD_LINES, GOOD_2])

    assert Report.objects.count() == 2
    messages = dict(summary.rejected)
    assert sorted(messages) == [2, 3, 4, 5, 6]
    assert "not valid JSON" in messages[2]
    assert "unknown kind 'ticket'" in messages[3]
    assert "names report 'nowhere'" in messages[4]
    assert "no UTC offset" in messages[5]
    assert "URL" in messages[6] or "url" in messages[6] or "port" in messages[6]


def test_it_keeps_each_rejected_line_with_its_reason(tmp_path: Path) -> None:
    import_objects(tmp_path, [GOOD_1, *BAD_LINES])

    failed = RawReport.objects.filter(status=RawStatus.FAILED).order_by("position")
    assert [f.position for f in failed] == [2, 3, 4, 5, 6]
    assert bytes(failed[0].content).startswith(b'{"kind": "report", "ref": "t1"')
    assert all(f.error for f in failed)


def test_a_notification_before_its_report_is_rejected(tmp_path: Path) -> None:
    notification = {
        "kind": "notification",
        "ref": "n1",
        "report": "g1",
        "sent_at": "2023-04-02T00:00:00Z",
        "recipient": "abuse@example.net",
    }
    summary = import_objects(tmp_path, [notification, GOOD_1])

    assert summary.rejected_count == 1
    assert Notification.objects.count() == 0


def test_the_command_exits_non_zero_when_a_line_was_rejected(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "bad.jsonl", [GOOD_1, BAD_LINES[0]])

    with pytest.raises(CommandError) as raised:
        call_command("import", str(path), "--no-progress")

    assert raised.value.returncode == 1
    assert Report.objects.count() == 1


def test_a_truncated_gzip_file_keeps_what_came_before_the_break(tmp_path: Path) -> None:
    lines = [
        report(f"z{i}", "2023-04-01T10:00:00Z", category="other", text=os.urandom(40).hex())
        for i in range(2000)
    ]
    plain = write_lines(tmp_path / "plain.jsonl", lines).read_bytes()
    packed = gzip.compress(plain)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    readable = zlib.decompressobj(wbits=31).decompress(packed[: len(packed) // 2])
    whole_lines = readable.count(b"\n")  # what `zcat` recovers, less the cut line

    summary = import_objects_from(path)

    # Every whole line is in, the batch the break fell in too; the cut line is named.
    assert Report.objects.count() == whole_lines
    assert summary.rejected_count == 1
    ((position, reason),) = summary.rejected
    assert position == whole_lines + 1 and "unreadable" in reason


def import_objects_from(path: Path):  # type: ignore[no-untyped-def]
    from renkei.intake.importer import ExchangeImporter

    return ExchangeImporter(batch_size=100).run(path)


def test_the_stored_chunk_is_marked_processed_once_its_lines_are_in(tmp_path: Path) -> None:
    import_objects(tmp_path, [GOOD_1, BAD_LINES[0], GOOD_2])

    chunk = Report.objects.get(ref="g1").raw
    assert chunk.status == RawStatus.PARSED
    assert chunk == Report.objects.get(ref="g2").raw
    assert RawReport.objects.filter(status=RawStatus.STORED).count() == 0


def _fail_notification_inserts() -> None:
    """A real database failure (a trigger), not a mocked one."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER fail_notifications BEFORE INSERT ON coordination_notification "
                "BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END"
            )
            return
        cursor.execute(
            "CREATE FUNCTION fail_notifications() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'simulated storage failure'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER fail_notifications BEFORE INSERT ON coordination_notification "
            "FOR EACH ROW EXECUTE FUNCTION fail_notifications()"
        )


def test_a_batch_the_database_refuses_is_rolled_back_whole_and_the_rest_imports(
    tmp_path: Path,
) -> None:
    notification = {
        "kind": "notification", "ref": "n3", "report": "g3", "sent_at": "2023-04-02T00:00:00Z",
        "recipient": "abuse@example.net",
    }  # fmt: skip
    g3 = report("g3", "2023-04-01T12:00:00+09:00", category="phishing", url="https://c.example/")
    g4 = report("g4", "2023-04-01T13:00:00+09:00", category="phishing", url="https://d.example/")
    path = write_lines(tmp_path / "in.jsonl", [GOOD_1, GOOD_2, g3, notification, g4])
    _fail_notification_inserts()

    summary = ExchangeImporter(batch_size=2).run(path)

    assert sorted(Report.objects.values_list("ref", flat=True)) == ["g1", "g2", "g4"]
    assert summary.imported["report"] == 3
    assert [position for position, _ in summary.rejected] == [3, 4]
    assert all("simulated storage failure" in reason for _, reason in summary.rejected)
    failed = RawReport.objects.filter(status=RawStatus.FAILED, error__contains="not imported")
    # The chunk as received (two lines), and each of its lines with the reason.
    assert sorted(bytes(raw.content).count(b"\n") for raw in failed) == [0, 0, 2]
    # The incident the rolled-back report opened is gone; the next batch's is not.
    assert Incident.objects.count() == 3


def test_looking_up_an_earlier_rejection_reads_its_index_not_every_failure() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("optional: the query plan checked is SQLite's (PostgreSQL keeps statistics)")
    from django.test.utils import CaptureQueriesContext

    from renkei.intake.services import raw_report_record_failure

    for position in range(1, 50):  # failures of another file, as the planner would see them
        raw_report_record_failure(
            channel="import", source="other", content=b"x", reason="bad", position=position
        )
    with CaptureQueriesContext(connection) as queries:
        raw_report_record_failure(
            channel="import", source="exchange", content=b"{", reason="bad", position=7
        )

    lookups = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and "intake_rawreport" in q["sql"]
    ]
    assert lookups
    with connection.cursor() as cursor:
        for sql in lookups:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "rawreport_source_position" in plan, plan


@pytest.mark.parametrize("compressed", [False, True])
def test_a_line_too_long_to_hold_is_rejected_unread_and_the_next_lines_import(
    tmp_path: Path, compressed: bool
) -> None:
    huge = report("h1", "2023-04-01T10:00:00+09:00", category="other", text="x" * (17 << 20))
    path = write_lines(tmp_path / "huge.jsonl", [GOOD_1, huge, GOOD_2])
    if compressed:  # the limit applies to the decompressed line
        path = path.with_suffix(".gz")
        path.write_bytes(gzip.compress((tmp_path / "huge.jsonl").read_bytes(), compresslevel=1))

    summary = ExchangeImporter().run(path)

    assert sorted(Report.objects.values_list("ref", flat=True)) == ["g1", "g2"]
    ((line, reason),) = summary.rejected
    assert line == 2 and "longer than the 16,777,216 allowed" in reason
    kept = RawReport.objects.get(status=RawStatus.FAILED, position=2)
    assert len(kept.content) == 16 << 20
