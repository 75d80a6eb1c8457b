"""`renkei fetchmail` on a server without MOVE: COPY to the done folder, then
\\Seen. If the flag fails after the copy (refused, or the connection lost), the
next poll only flags: the raw report records the copy, so the done folder
never holds a message twice.
"""

from __future__ import annotations

import pytest
from imapclient import SEEN

from renkei.intake.collectors.imap import fetch_folder
from renkei.intake.models import RawReport
from renkei.intake.tests.imap_fake import FakeMailbox
from renkei.intake.tests.mails import message

pytestmark = pytest.mark.django_db(transaction=True)

SEVEN, NINE = message(subject="seven"), message(subject="nine")


def _poll(mailbox: FakeMailbox) -> None:
    fetch_folder(mailbox, folder="INBOX", done_folder="renkei/done", account="r@imap.example")


def test_a_refused_flag_after_the_copy_is_tried_again_without_copying_again() -> None:
    mailbox = FakeMailbox({7: SEVEN, 9: NINE})
    mailbox.refuse["store"] = "[SERVERBUG] Internal error occurred"
    _poll(mailbox)
    _poll(mailbox)  # still refused

    mailbox.refuse.clear()
    _poll(mailbox)
    _poll(mailbox)

    assert sorted(mailbox.folders["renkei/done"]) == sorted([SEVEN, NINE])
    assert mailbox.seen == {7, 9}
    assert [c for c in mailbox.calls if c[0] == "flag"] == [
        ("flag", (7,), (SEEN,)),
        ("flag", (9,), (SEEN,)),
    ]
    copied = {raw.arrival["imap"]["uid"]: raw.arrival["imap"]["copied_to"] for raw in
              RawReport.objects.all()}  # fmt: skip
    assert copied == {7: "renkei/done", 9: "renkei/done"}


def test_a_connection_lost_between_copy_and_flag_leaves_one_copy() -> None:
    mailbox = FakeMailbox({7: SEVEN, 9: NINE})
    mailbox.lose_connection("store")

    _poll(mailbox)
    _poll(mailbox.connect())

    assert sorted(mailbox.folders["renkei/done"]) == sorted([SEVEN, NINE])
    assert mailbox.seen == {7, 9}
    assert RawReport.objects.count() == 2


def test_a_copy_to_another_done_folder_is_made_once_the_setting_changes() -> None:
    mailbox = FakeMailbox({7: SEVEN}, folders=("renkei/done", "renkei/new-done"))
    mailbox.refuse["store"] = "[SERVERBUG] Internal error occurred"
    _poll(mailbox)
    mailbox.refuse.clear()

    fetch_folder(mailbox, folder="INBOX", done_folder="renkei/new-done", account="r@imap.example")

    assert (mailbox.folders["renkei/done"], mailbox.folders["renkei/new-done"]) == (
        [SEVEN],
        [SEVEN],
    )
    assert mailbox.seen == {7}
