"""An e-mail processed again after a failure keeps what its arrival recorded.

The delivery time an IMAP collector read, the SMTP envelope (MAIL FROM, RCPT TO)
and the channel it came by are stored with the raw bytes before any parsing, so a
second run, days later and by an analyst, files the same report the first run
would have.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from renkei.accounts.models import User
from renkei.intake.collectors.mail import email_store
from renkei.intake.models import RawStatus, Report
from renkei.intake.reprocess import raw_report_reprocess
from renkei.intake.services import raw_report_mark
from renkei.intake.tests.mails import message

pytestmark = pytest.mark.django_db


def _failed(raw_id: int) -> None:
    """The first run failed before it made a report (say, the database went away)."""
    raw_report_mark(raw_id, status=RawStatus.FAILED, error="OperationalError: database is locked")


def _report_of(outcome_report_id: int | None) -> Report:
    assert outcome_report_id is not None
    return Report.objects.get(pk=outcome_report_id)


def test_the_smtp_envelope_and_the_delivery_time_survive_a_second_run(
    personas: dict[str, User],
) -> None:
    delivered = datetime(2024, 4, 1, 1, 2, 3, tzinfo=UTC)
    envelope = {"mail_from": "bounce@mta.example.jp", "rcpt_to": ["report@renkei.example"]}
    raw = email_store(
        message(body="https://a.example-phish.xyz/ ログイン"), collector="lmtp",
        received_at=delivered, envelope=envelope,
    )  # fmt: skip
    _failed(raw.pk)

    report = _report_of(raw_report_reprocess(actor=personas["analyst"], raw=raw).report_id)

    assert report.received_at == delivered
    assert report.extra["mail"]["envelope"] == envelope
    assert report.extra["mail"]["arrived_by"] == "lmtp"
    assert report.extra["mail"]["collector"] == "reprocess:analyst"


def test_an_uploaded_message_again_takes_its_received_header_time(
    personas: dict[str, User],
) -> None:
    received = "Received: from mx.example.jp by mail.example.jp; Tue, 2 Apr 2024 09:30:00 +0900"
    raw = email_store(message(body="hello", headers=[received]), collector="upload:analyst")
    _failed(raw.pk)

    report = _report_of(raw_report_reprocess(actor=personas["analyst"], raw=raw).report_id)

    assert report.received_at == datetime(2024, 4, 2, 0, 30, tzinfo=UTC)
    assert raw.stored_at.date() != report.received_at.date()


def test_a_message_stored_before_arrivals_were_kept_runs_again_as_before(
    personas: dict[str, User],
) -> None:
    raw = email_store(message(body="hello"), collector="lmtp")
    raw.arrival = None
    raw.save(update_fields=["arrival"])
    _failed(raw.pk)

    report = _report_of(raw_report_reprocess(actor=personas["analyst"], raw=raw).report_id)

    assert report.received_at == raw.stored_at
    assert report.extra["mail"]["envelope"] == {}
