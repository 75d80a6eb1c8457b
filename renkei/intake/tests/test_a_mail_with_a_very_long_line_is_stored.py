"""A message with a line far over RFC 5321's 1,000 bytes (phishing HTML on one line) is
accepted by `renkei smtpd`'s receiver and stored, by LMTP and by SMTP alike."""

from __future__ import annotations

import contextlib
import smtplib
from collections.abc import Iterator

import pytest
from django.test import override_settings

from renkei.intake.collectors.smtp import mail_receiver
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.mails import message

pytestmark = pytest.mark.django_db(transaction=True)
MB = 1024 * 1024
_CLIENTS = {"lmtp": smtplib.LMTP, "smtp": smtplib.SMTP}


@pytest.fixture(params=sorted(_CLIENTS))
def protocol(request: pytest.FixtureRequest) -> str:
    return request.param


@contextlib.contextmanager
def _conversation(protocol: str) -> Iterator[smtplib.SMTP]:
    """A client connected to a receiver started now (with the settings of the moment)."""
    receiver = mail_receiver(host="127.0.0.1", port=0, lmtp=protocol == "lmtp")
    try:
        with _CLIENTS[protocol]("127.0.0.1", receiver.port) as client:
            yield client
    finally:
        receiver.stop()


def _one_line_html(size: int) -> bytes:
    return message(
        subject="one-line html", content_type="text/html",
        body=b"<html><a href='https://phish.example/login'>" + b"x" * size + b"</a></html>",
    )  # fmt: skip


def test_a_message_with_a_2_mib_line_is_stored_whole(protocol: str) -> None:
    raw = _one_line_html(2 * MB)

    with _conversation(protocol) as client:
        assert client.sendmail("mta@example.org", ["report@renkei.example"], raw) == {}

    stored = RawReport.objects.get(channel="email")
    assert bytes(stored.content).rstrip(b"\r\n") == raw
    assert stored.status == "parsed"
    assert Report.objects.filter(raw=stored).exists()


@override_settings(RENKEI_MAIL_MAX_BYTES=1 * MB)
def test_a_message_over_the_size_limit_is_still_refused_for_its_size(protocol: str) -> None:
    with _conversation(protocol) as client, pytest.raises(smtplib.SMTPResponseException) as refused:
        client.sendmail("mta@example.org", ["report@renkei.example"], _one_line_html(2 * MB))

    assert refused.value.smtp_code == 552  # at MAIL FROM SIZE=, as smtplib announces it
    assert not RawReport.objects.exists()
