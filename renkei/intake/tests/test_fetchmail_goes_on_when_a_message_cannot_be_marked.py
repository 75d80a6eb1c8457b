"""`renkei fetchmail`: a message stored but not flagged or moved (the done folder
over quota) is reported, the poll goes on, and the next poll does not store it
again but only tries the marking again.
"""

from __future__ import annotations

from typing import Any

import pytest
from imapclient import SEEN
from imapclient.exceptions import IMAPClientAbortError

from renkei.intake.collectors.imap import fetch_folder, fetchmail_once
from renkei.intake.models import RawReport
from renkei.intake.tests.imap_fake import FakeMailbox
from renkei.intake.tests.mails import message

pytestmark = pytest.mark.django_db(transaction=True)

OVERQUOTA = "[OVERQUOTA] Quota exceeded (mailbox for user is full)"


def _mailbox(capabilities: tuple[str, ...] = ()) -> FakeMailbox:
    messages = {7: message(subject="seven"), 9: message(subject="nine")}
    return FakeMailbox(messages, capabilities=capabilities)


def test_a_refused_copy_is_reported_and_the_next_message_is_still_fetched() -> None:
    mailbox = _mailbox()
    mailbox.refuse["copy"] = OVERQUOTA

    summary = fetch_folder(mailbox, folder="INBOX", done_folder="renkei/done")

    assert (summary.fetched, summary.created, summary.stopped) == (2, 2, "")
    assert len(summary.not_marked) == 2
    first = summary.not_marked[0]
    assert "message UID 7 of INBOX" in first and f"raw report {summary.raw_ids[0]}" in first
    assert "not copied to renkei/done and flagged \\Seen" in first and OVERQUOTA in first
    assert mailbox.seen == set()  # left unseen: the next poll tries the marking again


def test_a_message_stored_but_not_marked_is_not_stored_again_and_marked_once_possible() -> None:
    mailbox = _mailbox()
    mailbox.refuse["copy"] = OVERQUOTA
    fetch_folder(mailbox, folder="INBOX", done_folder="renkei/done")

    still_full = fetch_folder(mailbox, folder="INBOX", done_folder="renkei/done")
    mailbox.refuse.clear()  # the operator made room
    made_room = fetch_folder(mailbox, folder="INBOX", done_folder="renkei/done")
    after = fetch_folder(mailbox, folder="INBOX", done_folder="renkei/done")

    assert (still_full.fetched, still_full.earlier, len(still_full.not_marked)) == (0, 2, 2)
    assert (made_room.fetched, made_room.earlier, made_room.not_marked) == (0, 2, [])
    assert ("copy", (7,), "renkei/done") in mailbox.calls
    assert ("flag", (9,), (SEEN,)) in mailbox.calls
    assert (after.fetched, after.earlier) == (0, 0)
    assert RawReport.objects.count() == 2
    assert mailbox.fetched_whole() == {7, 9}  # downloaded once, by the first poll


def test_a_refused_flag_is_reported_the_same_way() -> None:
    mailbox = _mailbox()
    mailbox.refuse["store"] = "[SERVERBUG] Internal error occurred"

    summary = fetch_folder(mailbox, folder="INBOX")
    again = fetch_folder(mailbox, folder="INBOX")

    assert summary.fetched == 2
    assert "not flagged \\Seen: store failed: [SERVERBUG]" in summary.not_marked[1]
    assert (again.fetched, again.earlier) == (0, 2)
    assert RawReport.objects.count() == 2


def test_a_connection_lost_while_marking_stops_the_poll_and_the_next_poll_goes_on(
    settings: Any,
) -> None:
    settings.RENKEI_IMAP_FOLDER, settings.RENKEI_IMAP_DONE_FOLDER = "INBOX", "renkei/done"
    mailbox = _mailbox(capabilities=("MOVE",))
    mailbox.refuse["move"] = IMAPClientAbortError("socket error: EOF")
    mailbox.refuse["logout"] = IMAPClientAbortError("socket error: EOF")

    lost = fetchmail_once(lambda: mailbox)
    mailbox.refuse.clear()
    next_poll = fetchmail_once(lambda: mailbox)

    assert lost.fetched == 1
    assert "message UID 7 of INBOX stored as raw report" in lost.stopped
    assert "connection was lost" in lost.stopped
    assert (next_poll.fetched, next_poll.earlier) == (1, 1)
    assert RawReport.objects.count() == 2
