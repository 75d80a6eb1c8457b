"""`renkei fetchmail`: store first, then flag or move; never delete.

The IMAP server is the process boundary, so it is the one thing replaced:
a fake mailbox that records what the client asked of it, and checks at each
flag or move that the message is already committed to the database.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connections
from imapclient import SEEN

from renkei.intake.collectors.imap import fetch_folder, fetchmail_once
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.mails import message

pytestmark = pytest.mark.django_db(transaction=True)


class FakeMailbox:
    def __init__(self, messages: dict[int, bytes], *, capabilities: tuple[str, ...] = ()) -> None:
        self.messages = messages
        self.capabilities = capabilities
        self.calls: list[tuple[Any, ...]] = []
        self.seen: set[int] = set()
        self.normalise_times = True

    def login(self, username: str, password: str) -> None:
        self.calls.append(("login", username))

    def select_folder(self, folder: str, readonly: bool = False) -> None:
        self.calls.append(("select", folder))

    def search(self, criteria: Any = "ALL", charset: str | None = None) -> list[int]:
        assert criteria == ["UNSEEN"]
        return [uid for uid in self.messages if uid not in self.seen]

    def fetch(self, messages: list[int], data: list[str], modifiers: Any = None) -> dict[int, Any]:
        assert "BODY.PEEK[]" in data  # PEEK: fetching must not mark the message read
        when = datetime(2024, 4, 1, 1, 2, 3, tzinfo=UTC)
        return {u: {b"BODY[]": self.messages[u], b"INTERNALDATE": when} for u in messages}

    def _committed(self, uid: int) -> None:
        """Asked from another thread, hence another connection: it sees only committed rows."""

        def visible() -> bool:
            try:
                return RawReport.objects.filter(content=self.messages[uid]).exists()
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=1) as other:
            assert other.submit(visible).result(), f"UID {uid} marked before it was committed"

    def add_flags(self, messages: list[int], flags: list[bytes], silent: bool = False) -> None:
        assert b"\\Deleted" not in flags
        for uid in messages:
            self._committed(uid)
            self.seen.add(uid)
        self.calls.append(("flag", tuple(messages), tuple(flags)))

    def copy(self, messages: list[int], folder: str) -> None:
        for uid in messages:
            self._committed(uid)
        self.calls.append(("copy", tuple(messages), folder))

    def move(self, messages: list[int], folder: str) -> None:
        for uid in messages:
            self._committed(uid)
            self.seen.add(uid)
        self.calls.append(("move", tuple(messages), folder))

    def has_capability(self, capability: str) -> bool:
        return capability in self.capabilities

    def expunge(self, messages: Any = None) -> None:
        raise AssertionError("fetchmail must never expunge")

    def delete_messages(self, messages: Any, silent: bool = False) -> None:
        raise AssertionError("fetchmail must never delete")

    def logout(self) -> None:
        self.calls.append(("logout",))


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
