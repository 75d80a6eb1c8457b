"""`renkei fetchmail` against a real IMAP server (a private Dovecot).

The fake mailbox of test_fetchmail_marks_only_stored_messages checks the
order of commit and flag; here the same client code talks IMAP to Dovecot:
login, search, BODY.PEEK fetch, MOVE or \\Seen, logout; and, through a relay that
drops the connection at a chosen command, a poll cut short by the network.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from imapclient import IMAPClient

from renkei.intake.collectors.imap import fetchmail_once
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.dovecot import (
    INSTALL_HINT,
    WITHOUT_MOVE,
    ImapServer,
    cutting_proxy,
    dovecot_binary,
    running_dovecot,
)
from renkei.intake.tests.mails import PHISHING_JA, message

pytestmark = pytest.mark.django_db(transaction=True)

INBOX_MESSAGES = [
    message(subject="=?UTF-8?B?44CQQW1hem9u44CR?=", body=PHISHING_JA),
    message(subject="scan", body="198.51.100.23 scanned 22/tcp"),
    b"no headers, and bytes in no charset: \xff\xfe",  # still a report, kept as received
]


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    binary = dovecot_binary()
    if binary is None:  # a skip fails the suite when CI=true (conftest.py)
        pytest.skip(f"no dovecot: {INSTALL_HINT}")
    with running_dovecot(binary) as server:
        yield server


def _client(server: ImapServer) -> IMAPClient:
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
    client.login(server.user, server.password)
    return client


def _deliver(server: ImapServer, messages: list[bytes]) -> None:
    client = _client(server)
    for raw in messages:
        client.append("INBOX", raw)
    client.logout()


def _mailbox(server: ImapServer) -> dict[str, list[tuple[bytes, tuple[bytes, ...]]]]:
    """Every folder's messages with their flags, as the server has them."""
    client = _client(server)
    folders: dict[str, list[tuple[bytes, tuple[bytes, ...]]]] = {}
    for _flags, _delimiter, name in client.list_folders():
        client.select_folder(name, readonly=True)
        fetched = client.fetch(client.search("ALL"), ["BODY.PEEK[]", "FLAGS"])
        folders[name] = [(item[b"BODY[]"], item[b"FLAGS"]) for item in fetched.values()]
    client.logout()
    return folders


def _configure(settings: Any, server: ImapServer, done_folder: str = "") -> None:
    settings.RENKEI_IMAP_HOST, settings.RENKEI_IMAP_PORT = server.host, server.port
    settings.RENKEI_IMAP_SSL = False
    settings.RENKEI_IMAP_USER, settings.RENKEI_IMAP_PASSWORD = server.user, server.password
    settings.RENKEI_IMAP_FOLDER, settings.RENKEI_IMAP_DONE_FOLDER = "INBOX", done_folder


def test_every_message_is_stored_then_moved_to_the_done_folder(
    imap_server: ImapServer, settings: Any
) -> None:
    _deliver(imap_server, INBOX_MESSAGES)
    client = _client(imap_server)
    client.create_folder("Done")
    client.logout()
    _configure(settings, imap_server, done_folder="Done")

    summary = fetchmail_once()

    assert (summary.fetched, summary.created, summary.failed) == (3, 3, 0)
    mailbox = _mailbox(imap_server)
    assert mailbox["INBOX"] == []
    served = sorted(body for body, _ in mailbox["Done"])  # IMAP serves CRLF line ends
    assert len(served) == 3
    assert sorted(bytes(raw.content) for raw in RawReport.objects.all()) == served
    assert Report.objects.filter(url__contains="account-verify.xyz").exists()


def test_without_a_done_folder_messages_stay_and_are_marked_seen(
    imap_server: ImapServer, settings: Any
) -> None:
    _deliver(imap_server, INBOX_MESSAGES[:2])
    _configure(settings, imap_server)

    first = fetchmail_once()
    _deliver(imap_server, INBOX_MESSAGES[2:])
    second = fetchmail_once()

    assert (first.fetched, second.fetched) == (2, 1)
    inbox = _mailbox(imap_server)["INBOX"]
    assert len(inbox) == 3  # nothing deleted
    assert all(b"\\Seen" in flags for _, flags in inbox)
    assert RawReport.objects.count() == 3


def test_a_missing_done_folder_is_reported_and_no_message_is_stored_twice(
    imap_server: ImapServer, settings: Any
) -> None:
    _deliver(imap_server, INBOX_MESSAGES)
    _configure(settings, imap_server, done_folder="Done")  # not created yet
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="3 stored message"):
        call_command("fetchmail", "--once", stdout=out, stderr=err)
    refused = err.getvalue()
    client = _client(imap_server)
    client.create_folder("Done")
    client.logout()
    call_command("fetchmail", "--once", stdout=out, stderr=err)

    assert "message UID 1 of INBOX stored as raw report" in refused
    assert "not moved to Done: move failed: [TRYCREATE]" in refused
    assert "fetched 0: reports 0, duplicates 0, not parsed 0; stored by an earlier poll 3" in (
        out.getvalue()
    )
    mailbox = _mailbox(imap_server)
    assert (len(mailbox["INBOX"]), len(mailbox["Done"])) == (0, 3)
    assert RawReport.objects.count() == 3


def test_a_message_over_the_size_limit_stays_on_the_server_and_its_headers_are_kept(
    imap_server: ImapServer, settings: Any
) -> None:
    large = message(subject="large", body="https://large.example-phish.xyz/\r\n" * 500)
    _deliver(imap_server, [large, INBOX_MESSAGES[1]])
    _configure(settings, imap_server)
    settings.RENKEI_MAIL_MAX_BYTES = 4096

    summary = fetchmail_once()

    assert (summary.fetched, summary.created, summary.failed) == (2, 1, 1)
    kept = RawReport.objects.get(content_type="text/rfc822-headers")
    assert bytes(kept.content) == large[: large.index(b"\r\n\r\n") + 4]
    assert f"has {len(large)} bytes, more than RENKEI_MAIL_MAX_BYTES (4096)" in kept.error
    inbox = _mailbox(imap_server)["INBOX"]
    assert large in [body for body, _ in inbox]  # still there, whole
    assert all(b"\\Seen" in flags for _, flags in inbox)


@pytest.mark.parametrize("cut_at", [b"UID SEARCH", b"BODY.PEEK[]"])
def test_a_connection_lost_while_searching_or_fetching_ends_the_poll_and_the_next_goes_on(
    imap_server: ImapServer, settings: Any, cut_at: bytes
) -> None:
    _deliver(imap_server, INBOX_MESSAGES)
    with cutting_proxy(imap_server, cut_at) as proxy:
        _configure(settings, proxy)
        out, err = io.StringIO(), io.StringIO()

        with pytest.raises(CommandError) as lost:
            call_command("fetchmail", "--once", stdout=out, stderr=err)
        call_command("fetchmail", "--once", stdout=out, stderr=err)

    doing = "searching INBOX" if cut_at == b"UID SEARCH" else "fetching messages UIDs 1-3 of INBOX"
    assert str(lost.value).startswith(
        f"IMAP account {proxy.user}@{proxy.host}: connection lost while {doing} ("
    )
    assert out.getvalue().splitlines()[-1] == "fetched 3: reports 3, duplicates 0, not parsed 0"
    assert all(b"\\Seen" in flags for _, flags in _mailbox(imap_server)["INBOX"])
    assert RawReport.objects.count() == 3


@pytest.fixture
def imap_server_without_move() -> Iterator[ImapServer]:
    binary = dovecot_binary()
    if binary is None:  # a skip fails the suite when CI=true (conftest.py)
        pytest.skip(f"no dovecot: {INSTALL_HINT}")
    with running_dovecot(binary, WITHOUT_MOVE) as server:
        yield server


def test_without_move_a_connection_lost_before_the_flag_leaves_one_copy_in_the_done_folder(
    imap_server_without_move: ImapServer, settings: Any
) -> None:
    server = imap_server_without_move
    _deliver(server, INBOX_MESSAGES)
    client = _client(server)
    client.create_folder("Done")
    client.logout()
    with cutting_proxy(server, b"UID STORE") as proxy:  # the flag after the first copy
        _configure(settings, proxy, done_folder="Done")

        lost = fetchmail_once()
        again = fetchmail_once()

    assert "UID 1 of INBOX stored as raw report" in lost.stopped
    assert (again.fetched, again.earlier) == (2, 1)
    mailbox = _mailbox(server)
    assert sorted(body for body, _ in mailbox["Done"]) == sorted(
        body for body, _ in mailbox["INBOX"]
    )  # each message copied once, and nothing deleted
    assert len(mailbox["Done"]) == 3
    assert all(b"\\Seen" in flags for _, flags in mailbox["INBOX"])


def test_a_message_read_by_hand_before_the_poll_is_taken_in_and_none_twice(
    imap_server: ImapServer, settings: Any
) -> None:
    _deliver(imap_server, INBOX_MESSAGES)
    reader = _client(imap_server)  # an analyst's mail client opens the second report
    reader.select_folder("INBOX")
    reader.add_flags(sorted(reader.search("ALL"))[1:2], [b"\\Seen"])
    reader.logout()
    _configure(settings, imap_server)

    first = fetchmail_once()
    second = fetchmail_once()

    assert (first.fetched, second.fetched, second.earlier) == (3, 0, 0)
    assert RawReport.objects.count() == 3
    assert all(b"\\Seen" in flags for _, flags in _mailbox(imap_server)["INBOX"])


def test_messages_are_downloaded_one_by_one_when_each_is_over_the_batch_budget(
    imap_server: ImapServer, settings: Any
) -> None:
    _deliver(imap_server, INBOX_MESSAGES)
    sent: list[bytes] = []
    with cutting_proxy(imap_server, sent=sent) as relay:  # cuts nothing: it only listens
        _configure(settings, relay)
        settings.RENKEI_IMAP_FETCH_BYTES = 1

        summary = fetchmail_once()

    downloads = [data for data in sent if b"BODY.PEEK[]" in data]
    assert [data.split(b" ")[3] for data in downloads] == [b"1", b"2", b"3"]  # UID FETCH n
    assert (summary.fetched, summary.created) == (3, 3)
    served = sorted(body for body, _ in _mailbox(imap_server)["INBOX"])
    assert sorted(bytes(raw.content) for raw in RawReport.objects.all()) == served
