"""Real phishing mail through real LMTP and SMTP conversations with `renkei smtpd`'s receiver."""

from __future__ import annotations

import re
import smtplib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from renkei.intake.collectors.smtp import MailController, mail_receiver
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.mails import PHISHING_JA, encoded_word, message, phishing_pot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lmtp() -> Iterator[MailController]:
    receiver = mail_receiver(host="127.0.0.1", port=0, lmtp=True)
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp() -> Iterator[MailController]:
    receiver = mail_receiver(host="127.0.0.1", port=0, lmtp=False)
    yield receiver
    receiver.stop()


def _wire(path: Path) -> bytes:
    """The message as an MTA hands it over: CRLF line ends (bare LF is not SMTP)."""
    return re.sub(rb"\r?\n", b"\r\n", path.read_bytes())


def _check_stored(files: list[Path]) -> None:
    """Every message is stored byte for byte as it was handed over."""
    raws = list(RawReport.objects.filter(channel="email").order_by("id"))
    assert len(raws) == len(files)
    for path, raw in zip(files, raws, strict=True):
        assert bytes(raw.content).rstrip(b"\r\n") == _wire(path).rstrip(b"\r\n")
        assert raw.status == "parsed" or raw.error, f"{path.name}: failed without a reason"


def test_ten_real_phishing_mails_arrive_by_lmtp(
    lmtp: MailController, phishing_pot_dir: Path
) -> None:
    files = phishing_pot(20)[:10]

    with smtplib.LMTP("127.0.0.1", lmtp.port) as client:
        for path in files:
            assert client.sendmail("mta@example.org", ["report@renkei.example"], _wire(path)) == {}
    lmtp.processed()

    _check_stored(files)
    assert Report.objects.filter(channel="email").count() == 10
    assert set(Report.objects.values_list("extra__mail__collector", flat=True)) == {"lmtp"}


def test_ten_real_phishing_mails_arrive_by_smtp(
    smtp: MailController, phishing_pot_dir: Path
) -> None:
    files = phishing_pot(20)[10:]

    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        for path in files:
            assert client.sendmail("mta@example.org", ["report@renkei.example"], _wire(path)) == {}
    smtp.processed()

    _check_stored(files)
    assert Report.objects.filter(channel="email").count() == 10


def test_lmtp_answers_once_per_recipient_and_stores_the_message_once(lmtp: MailController) -> None:
    with smtplib.LMTP("127.0.0.1", lmtp.port) as client:
        client.ehlo_or_helo_if_needed()
        client.mail("mta@example.org")
        client.rcpt("report@renkei.example")
        client.rcpt("phishing@renkei.example")
        first = client.data(message(subject="two recipients"))
        second = client.getreply()
    lmtp.processed()

    assert first[0] == 250 and second[0] == 250
    report = Report.objects.get()
    assert report.extra["mail"]["envelope"]["rcpt_to"] == [
        "report@renkei.example",
        "phishing@renkei.example",
    ]


def test_the_same_message_delivered_twice_is_kept_twice_but_reported_once(
    smtp: MailController,
) -> None:
    raw = message(subject="delivered twice")

    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        client.sendmail("mta@example.org", ["report@renkei.example"], raw)
        client.sendmail("mta@example.org", ["report@renkei.example"], raw)
    smtp.processed()

    assert RawReport.objects.filter(channel="email").count() == 2
    assert Report.objects.count() == 1
    assert "already received" in RawReport.objects.order_by("id").last().error


def test_an_iso_2022_jp_report_arrives_by_smtp_decoded(smtp: MailController) -> None:
    raw = message(
        subject=encoded_word("ISO-2022-JP", "フィッシングサイトの報告"),
        body=PHISHING_JA, charset="ISO-2022-JP", cte="7bit",
    )  # fmt: skip

    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        client.sendmail("mta@example.org", ["report@renkei.example"], raw)
    smtp.processed()

    report = Report.objects.get()
    assert report.extra["mail"]["subject"] == "フィッシングサイトの報告"
    assert "本人確認のため、以下のリンクからログインしてください。" in report.text


def test_a_message_is_answered_once_stored_not_once_processed(lmtp: MailController) -> None:
    # Processing waits (as behind a message of slow archives); the MTA must not.
    busy = threading.Event()
    lmtp.mail_handler._processing.submit(busy.wait, 30)

    with smtplib.LMTP("127.0.0.1", lmtp.port) as client:
        refused = client.sendmail("mta@example.org", ["report@renkei.example"], message())
        stored = RawReport.objects.get()

        assert refused == {} and stored.status == "stored"
        assert not Report.objects.exists()
    busy.set()
    lmtp.processed()

    assert RawReport.objects.get().status == "parsed"
    assert Report.objects.get().raw_id == stored.pk
