"""lib/mail.py: one way out for every message, and what it does without a mail server."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path
from typing import Any

import pytest
from django.core.mail import EmailMessage as DjangoEmailMessage

from renkei.coordination.tests.conftest import SmtpSink
from renkei.lib import mail


def test_without_a_mail_server_messages_are_kept_in_the_outbox(
    settings: Any, tmp_path: Path
) -> None:
    settings.RENKEI_SMTP_HOST, settings.RENKEI_HOME, settings.RENKEI_GPG_KEY_ID = "", tmp_path, ""
    message_id = mail.send(
        mail.OutgoingMail(to="abuse@h.example", subject="件名 [renkei#I-0000000001]", text="本文\n")
    )
    [kept] = (tmp_path / "outbox").iterdir()
    parsed = email.message_from_bytes(kept.read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == message_id
    assert parsed["Subject"] == "件名 [renkei#I-0000000001]"
    assert parsed.get_content().splitlines() == ["本文"]


def test_djangos_own_mail_goes_through_the_same_smtp_transport(
    smtp_server: SmtpSink, settings: Any
) -> None:
    backend = mail.EmailBackend()
    sent = backend.send_messages(
        [DjangoEmailMessage("reset", "link", "renkei@csirt.example", ["analyst@csirt.example"])]
    )
    assert sent == 1
    assert [m.rcpt_tos for m in smtp_server.messages] == [["analyst@csirt.example"]]


def test_a_5xx_reply_is_permanent_and_a_4xx_reply_temporary(
    smtp_server: SmtpSink, settings: Any
) -> None:
    settings.RENKEI_GPG_KEY_ID = ""
    smtp_server.data_replies = ["554 5.7.1 rejected", "452 4.3.1 mailbox full"]
    outgoing = mail.OutgoingMail(to="a@b.example", subject="s", text="t")
    with pytest.raises(mail.PermanentMailError, match="554"):
        mail.send(outgoing)
    with pytest.raises(mail.TemporaryMailError, match="452"):
        mail.send(outgoing)
