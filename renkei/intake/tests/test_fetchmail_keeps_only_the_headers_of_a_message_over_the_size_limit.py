"""`renkei fetchmail` applies RENKEI_MAIL_MAX_BYTES as `renkei smtpd` does.

SMTP refuses a larger message; a message in the IMAP folder cannot be refused,
so it is not downloaded: its headers are kept as a failed raw report with the
reason, and the message itself stays on the server.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from imapclient import SEEN

from renkei.accounts.models import User
from renkei.intake.collectors.imap import fetch_folder
from renkei.intake.models import RawReport, Report
from renkei.intake.reprocess import raw_report_reprocess
from renkei.intake.tests.imap_fake import FakeMailbox
from renkei.intake.tests.mails import message
from renkei.lib.errors import ValidationError

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 4096
LARGE = message(subject="large", body="https://large.example-phish.xyz/\r\n" * 500)
AT_LIMIT = message(
    subject="at-limit", body=b"x" * (LIMIT - len(message(subject="at-limit", body=b"")))
)


def test_a_message_over_the_limit_is_not_downloaded_and_its_headers_are_kept(
    settings: Any,
) -> None:
    settings.RENKEI_MAIL_MAX_BYTES = LIMIT
    mailbox = FakeMailbox({4: LARGE, 5: AT_LIMIT})

    summary = fetch_folder(mailbox, folder="INBOX")

    assert mailbox.fetched_whole() == {5}
    assert bytes(RawReport.objects.get(arrival__imap__uid=5).content) == AT_LIMIT
    raw = RawReport.objects.get(arrival__imap__uid=4)
    assert (raw.status, raw.content_type) == ("failed", "text/rfc822-headers")
    assert bytes(raw.content) == LARGE[: LARGE.index(b"\r\n\r\n") + 4]
    assert f"message UID 4 of INBOX has {len(LARGE)} bytes" in raw.error
    assert f"RENKEI_MAIL_MAX_BYTES ({LIMIT})" in raw.error
    assert "stays on the mail server (flagged \\Seen)" in raw.error
    assert (summary.fetched, summary.created, summary.failed) == (2, 1, 1)
    assert summary.too_large == [f"raw report {raw.pk}: {raw.error}"]
    assert ("flag", (4,), (SEEN,)) in mailbox.calls  # recorded, so done like any other
    assert not Report.objects.filter(url__contains="large.example-phish.xyz").exists()
    assert fetch_folder(mailbox, folder="INBOX").fetched == 0


def test_the_headers_alone_are_not_processed_again_into_a_report(
    settings: Any, personas: dict[str, User]
) -> None:
    settings.RENKEI_MAIL_MAX_BYTES = LIMIT
    fetch_folder(FakeMailbox({4: LARGE}), folder="INBOX")
    raw = RawReport.objects.get()

    with translation.override("en"), pytest.raises(ValidationError, match="only the headers"):
        raw_report_reprocess(actor=personas["analyst"], raw=raw)

    assert not Report.objects.exists()
