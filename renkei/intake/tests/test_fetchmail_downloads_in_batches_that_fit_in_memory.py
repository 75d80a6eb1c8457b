"""`renkei fetchmail` asks the sizes first and downloads the messages in
batches of at most RENKEI_IMAP_FETCH_BYTES together, each batch stored and
marked before the next is fetched; a larger message is fetched alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from renkei.intake.collectors.imap import fetch_folder
from renkei.intake.models import RawReport
from renkei.intake.tests.imap_fake import FakeMailbox
from renkei.intake.tests.mails import message

pytestmark = pytest.mark.django_db(transaction=True)

BUDGET = 2500


def _sized(uid: int, size: int) -> bytes:
    head = message(subject=f"report {uid}", body=b"")
    return message(subject=f"report {uid}", body=b"x" * (size - len(head)))


def test_messages_are_downloaded_in_batches_within_the_budget_and_a_larger_one_alone(
    settings: Any,
) -> None:
    settings.RENKEI_IMAP_FETCH_BYTES = BUDGET
    sizes = {1: 1000, 2: 1000, 3: 1000, 4: 4000, 5: 600, 6: 600}
    mailbox = FakeMailbox({uid: _sized(uid, size) for uid, size in sizes.items()})

    summary = fetch_folder(mailbox, folder="INBOX")

    downloads = [
        call[1] for call in mailbox.calls if call[0] == "fetch" and "BODY.PEEK[]" in call[2]
    ]
    assert downloads == [(1, 2), (3,), (4,), (5, 6)]
    assert (summary.fetched, RawReport.objects.count()) == (6, 6)


def test_each_batch_is_stored_and_marked_before_the_next_is_downloaded(settings: Any) -> None:
    settings.RENKEI_IMAP_FETCH_BYTES = BUDGET
    mailbox = FakeMailbox({uid: _sized(uid, 1000) for uid in (1, 2, 3)})

    fetch_folder(mailbox, folder="INBOX")

    steps = [
        (call[0], call[1]) for call in mailbox.calls
        if call[0] == "flag" or (call[0] == "fetch" and "BODY.PEEK[]" in call[2])
    ]  # fmt: skip
    assert steps == [
        ("fetch", (1, 2)), ("flag", (1,)), ("flag", (2,)), ("fetch", (3,)), ("flag", (3,)),
    ]  # fmt: skip
