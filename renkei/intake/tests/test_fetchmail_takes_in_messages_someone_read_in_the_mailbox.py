"""`renkei fetchmail` decides what to take in by what it stored, not by the
\\Seen flag: a report someone opened in a mail client before the poll is
still taken in, and a mailbox that keeps thousands of stored messages costs
a poll one search and one query, with nothing downloaded again.
"""

from __future__ import annotations

from typing import Any

import pytest
from imapclient import SEEN

from renkei.intake.collectors.imap import fetch_folder
from renkei.intake.models import RawReport
from renkei.intake.tests.imap_fake import FakeMailbox
from renkei.intake.tests.mails import message

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_read_by_hand_before_the_poll_is_taken_in() -> None:
    mailbox = FakeMailbox({7: message(subject="seven"), 9: message(subject="nine")})
    mailbox.seen.add(7)  # an analyst opened it in a mail client

    summary = fetch_folder(mailbox, folder="INBOX")
    again = fetch_folder(mailbox, folder="INBOX")

    assert (summary.fetched, again.fetched, again.earlier) == (2, 0, 0)
    assert sorted(raw.arrival["imap"]["uid"] for raw in RawReport.objects.all()) == [7, 9]
    flagged = [call for call in mailbox.calls if call[0] == "flag"]
    assert flagged == [("flag", (7,), (SEEN,)), ("flag", (9,), (SEEN,))]  # by the first poll


def test_a_message_read_by_hand_is_taken_in_before_it_is_moved() -> None:
    mailbox = FakeMailbox({7: message(subject="seven")}, capabilities=("MOVE",))
    mailbox.seen.add(7)

    summary = fetch_folder(mailbox, folder="INBOX", done_folder="renkei/done")

    assert summary.fetched == 1
    assert (mailbox.messages, len(mailbox.folders["renkei/done"])) == ({}, 1)


def test_a_poll_of_many_stored_messages_downloads_nothing_and_makes_one_query(
    django_assert_max_num_queries: Any,
) -> None:
    mailbox = FakeMailbox({uid: message(subject=f"report {uid}") for uid in range(1, 301)})
    fetch_folder(mailbox, folder="INBOX")  # stored and flagged \Seen; they stay
    mailbox.calls.clear()

    with django_assert_max_num_queries(1):
        again = fetch_folder(mailbox, folder="INBOX")

    assert (again.fetched, again.earlier) == (0, 0)
    assert mailbox.fetched_whole() == set()
    fetched = [call[1] for call in mailbox.calls if call[0] == "fetch"]
    assert fetched == [(1,)]  # the first message's delivery time, to bound the query


def test_only_the_new_message_of_a_mailbox_of_stored_ones_is_downloaded() -> None:
    # From UID 9 on: UIDs 10 to 58 are compared with it as numbers, not as text.
    mailbox = FakeMailbox({uid: message(subject=f"report {uid}") for uid in range(9, 59)})
    fetch_folder(mailbox, folder="INBOX")
    mailbox.calls.clear()
    mailbox.messages[59] = message(subject="report 59")
    mailbox.seen.update({13, 59})  # whatever someone read meanwhile

    again = fetch_folder(mailbox, folder="INBOX")

    assert (again.fetched, mailbox.fetched_whole()) == (1, {59})
    assert RawReport.objects.count() == 51
