"""`renkei fetchmail`: a connection lost (EOF, reset, timeout) while connecting,
searching or fetching ends that poll with one line naming the account and the
step; what was stored before is kept, `--once` exits 1, and the next poll (in
the loop, at the next interval) connects again and goes on.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from imapclient.exceptions import IMAPClientAbortError

from renkei.intake.collectors import imap
from renkei.intake.collectors.imap import FETCH_CHUNK, fetchmail_once
from renkei.intake.management.commands import fetchmail
from renkei.intake.models import RawReport
from renkei.intake.tests.imap_fake import FakeMailbox
from renkei.intake.tests.mails import message

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNT = "reports@imap.example.jp"
MORE_THAN_ONE_CHUNK = FETCH_CHUNK + 5


@pytest.fixture
def mailbox(settings: Any) -> FakeMailbox:
    settings.RENKEI_IMAP_HOST, settings.RENKEI_IMAP_USER = "imap.example.jp", "reports"
    settings.RENKEI_IMAP_FOLDER, settings.RENKEI_IMAP_DONE_FOLDER = "INBOX", ""
    uids = range(1, MORE_THAN_ONE_CHUNK + 1)
    return FakeMailbox({uid: message(subject=f"report {uid}") for uid in uids})


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch, mailbox: FakeMailbox) -> FakeMailbox:
    """imapclient's connection, the network boundary, reaches the fake mailbox."""
    monkeypatch.setattr(imap, "IMAPClient", lambda *args, **kwargs: mailbox.connect())
    return mailbox


@pytest.mark.parametrize(
    ("command", "after", "error", "doing"),
    [
        ("select", 0, IMAPClientAbortError("socket error: EOF"), "selecting INBOX"),
        ("search", 0, IMAPClientAbortError("socket error: EOF"), "searching INBOX"),
        ("fetch", 0, TimeoutError("timed out"), "fetching the delivery time of message UID 1"),
        ("fetch", 1, TimeoutError("timed out"), "fetching the sizes of messages UIDs 1-20"),
        ("fetch", 2, ConnectionResetError(104, "Connection reset by peer"), "fetching messages"),
    ],
)
def test_a_connection_lost_before_anything_is_stored_is_one_line_and_the_next_poll_goes_on(
    mailbox: FakeMailbox, command: str, after: int, error: BaseException, doing: str
) -> None:
    mailbox.lose_connection(command, after=after, error=error)

    lost = fetchmail_once(mailbox.connect)
    next_poll = fetchmail_once(mailbox.connect)

    assert lost.stopped.startswith(f"IMAP account {ACCOUNT}: connection lost while {doing}")
    assert f"({type(error).__name__}: " in lost.stopped and "\n" not in lost.stopped
    assert (lost.fetched, lost.interrupted) == (0, True)
    assert (next_poll.fetched, next_poll.stopped) == (MORE_THAN_ONE_CHUNK, "")
    assert RawReport.objects.count() == MORE_THAN_ONE_CHUNK


def test_the_messages_stored_before_the_connection_was_lost_are_kept_and_not_fetched_again(
    mailbox: FakeMailbox,
) -> None:
    mailbox.lose_connection("fetch", after=3)  # the first delivery time, the first chunk

    lost = fetchmail_once(mailbox.connect)
    next_poll = fetchmail_once(mailbox.connect)

    assert lost.fetched == FETCH_CHUNK
    assert f"UIDs {FETCH_CHUNK + 1}-{MORE_THAN_ONE_CHUNK} of INBOX" in lost.stopped
    assert f"the {FETCH_CHUNK} message(s) stored before are kept" in lost.stopped
    assert next_poll.fetched == MORE_THAN_ONE_CHUNK - FETCH_CHUNK
    assert RawReport.objects.count() == MORE_THAN_ONE_CHUNK
    assert mailbox.seen == set(mailbox.messages)


def test_once_exits_1_with_the_line_and_what_was_stored(network: FakeMailbox) -> None:
    network.lose_connection("fetch", after=3)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match=f"^IMAP account {ACCOUNT}: connection lost while"):
        call_command("fetchmail", "--once", stdout=out, stderr=err)
    call_command("fetchmail", "--once", stdout=out, stderr=err)

    assert out.getvalue().splitlines() == [
        f"fetched {FETCH_CHUNK}: reports {FETCH_CHUNK}, duplicates 0, not parsed 0",
        f"fetched {MORE_THAN_ONE_CHUNK - FETCH_CHUNK}: reports 5, duplicates 0, not parsed 0",
    ]


def test_an_unreachable_server_is_one_line_too(
    monkeypatch: pytest.MonkeyPatch, mailbox: FakeMailbox
) -> None:
    def refused(*args: Any, **kwargs: Any) -> FakeMailbox:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(imap, "IMAPClient", refused)

    with pytest.raises(CommandError) as raised:
        call_command("fetchmail", "--once", stdout=io.StringIO(), stderr=io.StringIO())

    assert str(raised.value) == (
        f"IMAP account {ACCOUNT}: could not connect and log in to imap.example.jp:993 "
        "(ConnectionRefusedError: [Errno 111] Connection refused); the next poll starts afresh"
    )


class _Stop(Exception):
    """Ends the endless polling loop of the test below."""


def test_the_polling_loop_reports_the_lost_connection_and_connects_again_at_the_next_interval(
    monkeypatch: pytest.MonkeyPatch, network: FakeMailbox, settings: Any
) -> None:
    settings.RENKEI_IMAP_INTERVAL = 60
    network.lose_connection("search")
    intervals: list[float] = []

    def sleep(seconds: float) -> None:  # the clock, not the code under test
        intervals.append(seconds)
        if len(intervals) == 2:
            raise _Stop

    monkeypatch.setattr(fetchmail.time, "sleep", sleep)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(_Stop):
        call_command("fetchmail", stdout=out, stderr=err)

    assert intervals == [60, 60]
    assert err.getvalue().startswith(f"IMAP account {ACCOUNT}: connection lost while searching")
    assert out.getvalue().splitlines()[-1].startswith(f"fetched {MORE_THAN_ONE_CHUNK}:")
    assert RawReport.objects.count() == MORE_THAN_ONE_CHUNK
