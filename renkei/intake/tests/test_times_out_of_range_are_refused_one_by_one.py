"""A time outside 1970-2099 (or with no UTC time at all) is refused where it is read.

Year 1 at +09:00 and year 9999 at -12:00 have no UTC time (OverflowError);
the line, row, event or API report carrying one is rejected with "time out of
range" and the rest is imported. An e-mail with such a date is still stored,
with the time it was stored at and the problem recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from renkei.accounts.models import User
from renkei.intake.feeds.intelmq import IntelmqImporter
from renkei.intake.feeds.phishurl import PhishurlImporter
from renkei.intake.models import Report
from renkei.intake.tests.helpers import import_objects, report, write_lines
from renkei.intake.tests.receiving import api_post, mailed_report

pytestmark = pytest.mark.django_db
GOOD = "2025-04-01T10:00:00+09:00"


@pytest.mark.parametrize(
    "when",
    ["0001-01-01T00:00:00+09:00", "9999-12-31T23:59:59-09:00", "1969-12-31T23:59:59Z",
     "2100-01-01T00:00:00Z"],
)  # fmt: skip
def test_an_exchange_line_with_such_a_time_is_rejected_and_the_others_imported(
    tmp_path: Path, when: str
) -> None:
    summary = import_objects(tmp_path, [
        report("g1", GOOD, category="phishing", url="https://g1.example/"),
        report("bad", when, category="phishing", url="https://bad.example/"),
        report("g2", GOOD, category="phishing", url="https://g2.example/"),
    ])  # fmt: skip

    assert sorted(Report.objects.values_list("ref", flat=True)) == ["g1", "g2"]
    assert "received_at" in dict(summary.rejected)[2]
    assert "time out of range" in dict(summary.rejected)[2]


def test_a_notification_sent_in_year_9999_is_rejected(tmp_path: Path) -> None:
    summary = import_objects(tmp_path, [
        report("r1", GOOD, category="phishing", url="https://g1.example/"),
        {"kind": "notification", "ref": "n1", "report": "r1", "sent_at": "9999-12-31T00:00:00Z",
         "recipient": "abuse@example.net"},
    ])  # fmt: skip

    assert "sent_at 9999-12-31T00:00:00+00:00: time out of range" in dict(summary.rejected)[2]


def test_a_phishurl_row_of_year_1_is_rejected_and_the_batch_imported(tmp_path: Path) -> None:
    rows = [f"2025/02/01 10:00:{n:02},https://good{n}.example.com/,Amazon" for n in range(11)]
    rows.insert(5, "0001/01/01 00:00:00,https://yr1.example.com/,Amazon")
    path = write_lines(tmp_path / "202502.csv", ["date,URL,description", *rows])

    summary = PhishurlImporter(source="phishurl").run(path)

    assert Report.objects.count() == 11
    assert list(dict(summary.rejected)) == [7]
    assert "time out of range" in dict(summary.rejected)[7]


def test_an_intelmq_event_of_year_1_is_rejected_and_the_next_imported(tmp_path: Path) -> None:
    events = [
        {"classification.type": "phishing", "source.url": "http://yr1.example.com/",
         "time.source": "0001-01-01T00:00:00+09:00"},
        {"classification.type": "phishing", "source.url": "http://good.example.com/",
         "time.source": "2025-01-01T00:00:00+09:00"},
    ]  # fmt: skip

    summary = IntelmqImporter(source="intelmq").run(write_lines(tmp_path / "e.jsonl", events))

    assert list(Report.objects.values_list("url", flat=True)) == ["http://good.example.com/"]
    assert "time out of range" in dict(summary.rejected)[1]


def test_an_uploaded_e_mail_dated_in_year_9999_is_stored_at_the_time_it_came() -> None:
    raw = (
        b"From: x@example.org\r\nDate: Fri, 31 Dec 9999 23:59:59 -1200\r\n"
        b"Subject: year 9999\r\n\r\nphishing http://y9999.example.com/login\r\n"
    )

    stored = mailed_report(raw, collector="upload:analyst")

    assert stored.received_at == stored.raw.stored_at
    assert stored.extra["mail"]["date"] is None
    assert any("Date: out of range" in p for p in stored.extra["mail"]["problems"])


def test_an_uploaded_e_mail_received_in_year_9999_falls_back_to_its_date() -> None:
    raw = (
        b"Received: from a by b; Fri, 31 Dec 9999 23:59:59 -1200\r\n"
        b"From: x@example.org\r\nDate: Tue, 1 Apr 2025 10:00:00 +0900\r\n\r\nhello\r\n"
    )

    stored = mailed_report(raw, collector="upload:analyst")

    assert stored.received_at.isoformat() == "2025-04-01T01:00:00+00:00"


def test_an_uploaded_e_mail_received_in_year_0001_is_not_filed_in_2001() -> None:
    raw = (
        b"Received: from a by b; Mon, 1 Jan 0001 10:00:00 +0000\r\n"
        b"From: x@example.org\r\nDate: Mon, 1 Jan 0001 10:00:00 +0000\r\n\r\nhello\r\n"
    )

    stored = mailed_report(raw, collector="upload:analyst")

    assert stored.received_at == stored.raw.stored_at
    assert stored.extra["mail"]["date"] is None


def test_the_api_refuses_a_report_received_before_1970(
    client: Client, personas: dict[str, User]
) -> None:
    body = {"ref": "old", "category": "other", "received_at": "1960-01-01T00:00:00Z"}

    response = api_post(client, personas["analyst"], "/reports", body)

    assert response.status_code == 422
    assert "time out of range" in response.json()["detail"]
