"""`renkei fetchmail`: store first, then flag or move; never delete.

The IMAP server is the process boundary, so it is the one thing replaced:
a fake mailbox (imap_fake.py) that records what the client asked of it, and
checks at each flag or move that the message is already committed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from imapclient import SEEN

from renkei.intake.collectors.imap import fetch_folder, fetchmail_once
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.imap_fake import FakeMailbox
from renkei.intake.tests.mails import message

pytestmark = pytest.mark.django_db(transaction=True)


def _mailbox(**kwargs: Any) -> FakeMailbox:
    return FakeMailbox({7: message(subject="seven"), 9: message(subject="nine")}, **kwargs)


def test_each_message_is_stored_then_flagged_seen() -> None:
    mailbox = _mailbox()

    summary = fetch_folder(mailbox, folder="INBOX")

    assert (summary.fetched, summary.created) == (2, 2)
    assert ("flag", (7,), (SEEN,)) in mailbox.calls and ("flag", (9,), (SEEN,)) in mailbox.calls
    report = Report.objects.get(extra__mail__subject="seven")
    assert report.extra["mail"]["collector"] == "imap:INBOX"
    assert report.received_at == datetime(2024, 4, 1, 1, 2, 3, tzinfo=UTC)  # delivery time


def test_with_a_done_folder_messages_are_moved_after_storing() -> None:
    mailbox = _mailbox(capabilities=("MOVE",))

    fetch_folder(mailbox, folder="INBOX", done_folder="renkei/done")

    assert [c for c in mailbox.calls if c[0] == "move"] == [
        ("move", (7,), "renkei/done"),
        ("move", (9,), "renkei/done"),
    ]


def test_without_move_support_messages_are_copied_and_flagged_never_deleted() -> None:
    mailbox = _mailbox()

    fetch_folder(mailbox, folder="INBOX", done_folder="renkei/done")

    assert ("copy", (7,), "renkei/done") in mailbox.calls
    assert ("flag", (7,), (SEEN,)) in mailbox.calls


def test_a_second_poll_fetches_nothing_new() -> None:
    mailbox = _mailbox()
    fetch_folder(mailbox, folder="INBOX")

    again = fetch_folder(mailbox, folder="INBOX")

    assert again.fetched == 0
    assert RawReport.objects.count() == 2


def test_a_message_that_cannot_be_parsed_is_still_stored_and_marked_done() -> None:
    mailbox = FakeMailbox({3: b""})

    summary = fetch_folder(mailbox, folder="INBOX")

    assert (summary.fetched, summary.failed) == (1, 1)
    assert RawReport.objects.get().status == "failed"
    assert ("flag", (3,), (SEEN,)) in mailbox.calls


def test_fetchmail_once_logs_in_polls_the_configured_folder_and_logs_out(settings: Any) -> None:
    settings.RENKEI_IMAP_FOLDER = "Reports"
    mailbox = _mailbox()

    fetchmail_once(lambda: mailbox)

    assert mailbox.calls[0] == ("select", "Reports")
    assert mailbox.calls[-1] == ("logout",)
