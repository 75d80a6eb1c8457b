"""Polling a report mailbox over IMAP (imapclient) for `renkei fetchmail`.

Which messages to take is decided by what renkei stored, not by flags a
person reading the mailbox may change: each poll lists every message of the
folder (UID SEARCH ALL) and looks up, in one query, which of them already
have a raw report. A raw report keeps where its message was on the server
(account, folder, UIDVALIDITY and UID, which name one message for good:
RFC 3501 2.3.1.1), so a message marked read by hand is still taken in, and
a message already stored is never downloaded again.

Each new message is fetched without marking it read (`BODY.PEEK[]`),
stored through `email_receive` (the raw bytes are committed before the call
returns), and only then marked done: moved to RENKEI_IMAP_DONE_FOLDER when
one is set (MOVE, or COPY where the server lacks MOVE), and flagged
`\\Seen`. Nothing is ever deleted or expunged, so without MOVE the message
stays in the folder, flagged; that the copy was made is recorded with the
raw report, so that trying the marking again does not copy it a second
time. A message that could not be stored is left as it was and the poll
stops, so the next poll tries it again.

A lost connection (a socket error, an EOF, a timeout) or a refused command
while connecting, selecting, searching or fetching ends that poll with one
line naming the account and what was being done; every message stored
before it is kept (each is committed on its own), and the next poll starts
afresh.

Marking can fail once the message is stored (the done folder over quota or
missing). The message then stays unseen, the server's answer is reported,
and the poll goes on with the next message. The next poll recognises it as
stored and only tries the marking again: a stored message still in the
folder is moved (with MOVE), or flagged (and copied, if not yet) when it is
unseen. One marked read by hand meanwhile is left as it is.

Sizes are asked first (RFC822.SIZE), then the messages are downloaded in
batches of at most RENKEI_IMAP_FETCH_BYTES together, each stored and marked
before the next is fetched: that is what is held in memory at once. A
message larger than that is fetched alone.

A message larger than RENKEI_MAIL_MAX_BYTES (the size `renkei smtpd`
refuses) is not downloaded: its header block is stored as a failed raw
report with the reason, and it is marked done like any other. The message
itself stays on the server.
"""

from __future__ import annotations

import imaplib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError
from imapclient import SEEN as SEEN_FLAG
from imapclient import IMAPClient

from renkei.intake.collectors.mail import email_receive, email_store_headers_only
from renkei.intake.models import RawReport
from renkei.intake.services import raw_report_note_imap_copy
from renkei.lib.errors import RenkeiError

log = logging.getLogger(__name__)
FETCH_CHUNK = 20  # messages whose sizes are asked per round trip
HEADERS_KEPT = 64 * 1024  # bytes of header kept of a message too large to fetch
# A message is stored after the server received it, but the two clocks may
# disagree: an earlier poll's raw report is looked for from this long before.
CLOCK_SKEW = timedelta(days=1)


class MailboxClient(Protocol):
    """The part of IMAPClient used here (tests pass a fake server's client)."""

    normalise_times: bool

    def login(self, username: str, password: str) -> Any: ...
    def select_folder(self, folder: str, readonly: bool = False) -> Any: ...
    def search(self, criteria: Any = "ALL", charset: str | None = None) -> list[int]: ...
    def fetch(self, messages: Any, data: Any, modifiers: Any = None) -> dict[int, Any]: ...
    def add_flags(self, messages: Any, flags: Any, silent: bool = False) -> Any: ...
    def copy(self, messages: Any, folder: str) -> Any: ...
    def move(self, messages: Any, folder: str) -> Any: ...
    def has_capability(self, capability: str) -> bool: ...
    def logout(self) -> Any: ...


@dataclass
class FetchSummary:
    fetched: int = 0
    created: int = 0
    duplicates: int = 0
    failed: int = 0  # stored, but not parsed (the reason is on the raw report)
    raw_ids: list[int] = field(default_factory=list)
    stopped: str = ""  # why the poll stopped early (a message not stored, the connection lost)
    interrupted: bool = False  # stopped by the server or the network: the next poll may go on
    earlier: int = 0  # stored by an earlier poll that could not mark them: only marked now
    not_marked: list[str] = field(default_factory=list)  # stored, but left unseen: why
    too_large: list[str] = field(default_factory=list)  # only their headers were stored

    def count(self, status: str, raw_id: int) -> None:
        self.fetched += 1
        self.raw_ids.append(raw_id)
        if status == "created":
            self.created += 1
        elif status == "duplicate":
            self.duplicates += 1
        else:
            self.failed += 1


class FetchStopped(RenkeiError):
    """A message could not be stored; it stays in the mailbox."""


class _Interrupted(Exception):
    """The server stopped answering, or refused a command the poll cannot do without."""


@contextmanager
def _talking(doing: str) -> Iterator[None]:
    """Turn the failure of one step of the conversation into a sentence naming the step.

    imaplib reports an EOF or a socket error as IMAP4.abort, a timeout and a
    reset as OSError; any other IMAP4.error is the server's NO or BAD, or an
    answer imapclient could not read.
    """
    try:
        yield
    except (imaplib.IMAP4.abort, OSError) as exc:  # abort first: it is an IMAP4.error
        raise _Interrupted(f"connection lost while {doing} ({type(exc).__name__}: {exc})") from exc
    except imaplib.IMAP4.error as exc:
        raise _Interrupted(f"{doing} failed ({type(exc).__name__}: {exc})") from exc


@dataclass(frozen=True)
class _New:
    uid: int
    size: int  # RFC822.SIZE, as the server counts it (CRLF line ends, like SMTP's DATA)
    delivered: datetime | None


@dataclass(frozen=True)
class _Stored:
    raw_id: int
    copied_to: str = ""  # the done folder it was copied to (a server without MOVE)


def _delivered(item: dict[bytes, Any]) -> datetime | None:
    delivered = item.get(b"INTERNALDATE")
    if not isinstance(delivered, datetime) or delivered.tzinfo is None:
        return None  # a local time of the server's choosing: use our own clock
    return delivered


def _uid_range(uids: list[int]) -> str:
    return f"UID {uids[0]}" if len(uids) == 1 else f"UIDs {uids[0]}-{uids[-1]}"


def _sizes(client: MailboxClient, uids: list[int], folder: str) -> list[_New]:
    """Each message's size and delivery time, to decide what to download."""
    with _talking(f"fetching the sizes of messages {_uid_range(uids)} of {folder}"):
        fetched = client.fetch(uids, ["RFC822.SIZE", "INTERNALDATE"])
    return [
        _New(uid, int(fetched[uid].get(b"RFC822.SIZE") or 0), _delivered(fetched[uid]))
        for uid in uids
        if uid in fetched  # expunged meanwhile by another client
    ]


def _contents(
    client: MailboxClient, uids: list[int], item: str, key: bytes, folder: str
) -> dict[int, bytes]:
    if not uids:
        return {}
    with _talking(f"fetching messages {_uid_range(uids)} of {folder}"):
        fetched = client.fetch(uids, [item])
    return {uid: bytes(fetched[uid].get(key) or b"") for uid in uids if uid in fetched}


def _stored_here(
    place: dict[str, Any], first_uid: int, since: datetime | None
) -> dict[int, _Stored]:
    """The raw reports of this folder's messages from `first_uid` on, by UID: one query.

    `since` (the delivery time of the message `first_uid`; those after it
    arrived later, UIDs growing with arrival) bounds the look-up so that it
    reads the stored_at index rather than every raw report. The size is not
    compared: it would have to be fetched for every message of the folder.
    """
    found = RawReport.objects.filter(
        channel="email", arrival__imap__uid__gte=first_uid,
        **{f"arrival__imap__{key}": value for key, value in place.items()},
    )  # fmt: skip
    if since is not None:
        found = found.filter(stored_at__gte=since - CLOCK_SKEW)
    rows = found.order_by("pk").values_list("arrival__imap__uid", "pk", "arrival__imap__copied_to")
    stored: dict[int, _Stored] = {}
    for uid, raw_id, copied_to in rows:
        stored.setdefault(int(uid), _Stored(raw_id, copied_to or ""))
    return stored


def _batches(new: list[_New], limit: int, budget: int) -> Iterator[list[_New]]:
    """Consecutive messages whose downloads add up to at most `budget` bytes, or one alone."""
    batch: list[_New] = []
    total = 0
    for message in new:
        size = message.size if message.size <= limit else HEADERS_KEPT  # only headers are fetched
        if batch and total + size > budget:
            yield batch
            batch, total = [], 0
        batch.append(message)
        total += size
    if batch:
        yield batch


@dataclass
class _Poll:
    client: MailboxClient
    folder: str
    done_folder: str
    place: dict[str, Any]  # account, folder and UIDVALIDITY: with a UID, one message
    summary: FetchSummary = field(default_factory=FetchSummary)
    # Asked once, at the start: the reports of a lost connection must not ask it again.
    moves: bool = False  # a done folder, and the server has MOVE

    def chunk(self, uids: list[int]) -> bool:
        """Store and mark some new messages, in UID order; False once the poll must stop."""
        new = _sizes(self.client, uids, self.folder)
        limit = settings.RENKEI_MAIL_MAX_BYTES
        for batch in _batches(new, limit, settings.RENKEI_IMAP_FETCH_BYTES):
            if not self._batch(batch, limit):
                return False
        return True

    def _batch(self, new: list[_New], limit: int) -> bool:
        """Download some messages together, then store and mark each."""
        bodies = _contents(
            self.client, [m.uid for m in new if m.size <= limit], "BODY.PEEK[]", b"BODY[]",
            self.folder,
        )  # fmt: skip
        headers = _contents(
            self.client, [m.uid for m in new if m.size > limit],
            f"BODY.PEEK[HEADER]<0.{HEADERS_KEPT}>", b"BODY[HEADER]<0>", self.folder,
        )  # fmt: skip
        for message in new:
            if message.uid in bodies:
                stored = self._store(message, bodies[message.uid])
            elif message.uid in headers:
                stored = self._store_headers(message, headers[message.uid], limit)
            else:
                continue  # expunged meanwhile
            if stored is None or not self._mark(message.uid, stored):
                return False
        return True

    def mark_again(self, stored: dict[int, _Stored]) -> bool:
        """Mark what earlier polls stored but could not mark; False once the poll must stop."""
        for uid in self._not_marked(stored):
            self.summary.earlier += 1
            if not self._mark(uid, stored[uid]):
                return False
        return True

    def _not_marked(self, stored: dict[int, _Stored]) -> list[int]:
        if not stored:
            return []
        if self.moves:
            return sorted(stored)  # still here, so not moved
        with _talking(f"searching {self.folder} for unseen messages"):
            unseen = set(self.client.search(["UNSEEN"]))
        return sorted(uid for uid in stored if uid in unseen)

    def _where(self, message: _New) -> dict[str, Any]:
        return {**self.place, "uid": message.uid, "size": message.size}

    def _name(self, uid: int) -> str:
        return f"message UID {uid} of {self.folder}"

    def _store(self, message: _New, raw: bytes) -> _Stored | None:
        try:
            outcome = email_receive(
                raw, collector=f"imap:{self.folder}", received_at=message.delivered,
                imap=self._where(message),
            )  # fmt: skip
        except Exception as exc:
            log.exception("IMAP message %s could not be stored", message.uid)
            self._not_stored(message, exc)
            return None
        self.summary.count(outcome.status, outcome.raw_id)
        return _Stored(outcome.raw_id)

    def _store_headers(self, message: _New, headers: bytes, limit: int) -> _Stored | None:
        """A message over the size limit: its headers and the reason, not its bytes."""
        reason = (
            f"not fetched: {self._name(message.uid)} has {message.size} bytes, more than "
            f"RENKEI_MAIL_MAX_BYTES ({limit}); only its headers are kept here, the message "
            f"stays on the mail server ({self._marking()})"
        )
        try:
            raw = email_store_headers_only(
                headers, reason=reason, collector=f"imap:{self.folder}",
                received_at=message.delivered, imap=self._where(message),
            )  # fmt: skip
        except Exception as exc:
            log.exception("IMAP message %s could not be stored", message.uid)
            self._not_stored(message, exc)
            return None
        log.warning("IMAP %s is too large: raw report %s keeps its headers", message.uid, raw.pk)
        self.summary.count("failed", raw.pk)
        self.summary.too_large.append(f"raw report {raw.pk}: {reason}")
        return _Stored(raw.pk)

    def _not_stored(self, message: _New, exc: Exception) -> None:
        _stop(self.summary, self.place["account"], (
            f"{self._name(message.uid)} not stored ({type(exc).__name__}: {exc}); "
            "it stays in the mailbox and the next poll tries again"
        ))  # fmt: skip

    def _move_or_flag(self, uid: int, stored: _Stored) -> None:
        """Moved out of the way if asked, else flagged seen: each step done once only."""
        if self.moves:
            self.client.move([uid], self.done_folder)  # one step: all or nothing
            return
        if self.done_folder and stored.copied_to != self.done_folder:
            self.client.copy([uid], self.done_folder)
            # Before the flag, which may fail: a retry then only flags.
            raw_report_note_imap_copy(raw_id=stored.raw_id, folder=self.done_folder)
        self.client.add_flags([uid], [SEEN_FLAG])

    def _marking(self) -> str:
        if not self.done_folder:
            return "flagged \\Seen"
        if self.moves:
            return f"moved to {self.done_folder}"
        return f"copied to {self.done_folder} and flagged \\Seen"

    def _mark(self, uid: int, stored: _Stored) -> bool:
        """Mark a stored message done; False if the connection is lost (the poll stops).

        A refusal (the done folder over quota or missing) is reported and the
        poll goes on: the message stays unseen, and the next poll finds its raw
        report and tries the marking again.
        """
        raw_id = stored.raw_id
        try:
            self._move_or_flag(uid, stored)
        except DatabaseError as exc:
            _stop(self.summary, self.place["account"], (
                f"{self._name(uid)} was copied to {self.done_folder} but raw report "
                f"{raw_id} could not record it ({type(exc).__name__}: {exc}); the next poll "
                "may copy it a second time"
            ))  # fmt: skip
            return False
        except (imaplib.IMAP4.abort, OSError) as exc:  # abort first: it is an IMAP4.error
            _stop(self.summary, self.place["account"], (
                f"{self._name(uid)} stored as raw report {raw_id}, then the connection was "
                f"lost before it was {self._marking()} ({type(exc).__name__}: {exc}); "
                "the next poll marks it"
            ), interrupted=True)  # fmt: skip
            return False
        except imaplib.IMAP4.error as exc:  # the server's NO or BAD answer
            problem = (
                f"{self._name(uid)} stored as raw report {raw_id} but not "
                f"{self._marking()}: {exc}; it stays unseen and the next poll tries again"
            )
            log.warning("IMAP %s", problem)
            self.summary.not_marked.append(problem)
        return True


def fetch_folder(
    client: MailboxClient, *, folder: str, done_folder: str = "", account: str = ""
) -> FetchSummary:
    """Store every message of `folder` not stored yet; see the module docstring.

    `account` (user@host) tells this mailbox's messages from another's with
    the same folder name and UIDs.
    """
    client.normalise_times = False
    poll = _Poll(client, folder, done_folder, {"account": account, "folder": folder})
    try:
        _poll_folder(poll)
    except _Interrupted as exc:
        _stop(poll.summary, account, _kept(poll.summary, str(exc)), interrupted=True)
    return poll.summary


def _poll_folder(poll: _Poll) -> None:
    with _talking(f"selecting {poll.folder}"):
        selected = poll.client.select_folder(poll.folder) or {}
    poll.place["uidvalidity"] = selected.get(b"UIDVALIDITY")
    with _talking("asking the server's capabilities"):  # imapclient keeps them from the login
        poll.moves = bool(poll.done_folder) and poll.client.has_capability("MOVE")
    with _talking(f"searching {poll.folder}"):
        uids = sorted(poll.client.search(["ALL"]))
    if not uids:
        return
    stored = _stored_here(poll.place, uids[0], _delivered_first(poll, uids[0]))
    if not poll.mark_again(stored):
        return
    new = [uid for uid in uids if uid not in stored]
    for start in range(0, len(new), FETCH_CHUNK):
        if not poll.chunk(new[start : start + FETCH_CHUNK]):
            break


def _delivered_first(poll: _Poll, uid: int) -> datetime | None:
    """When the folder's first message was delivered: UIDs grow with arrival in the folder."""
    with _talking(f"fetching the delivery time of message UID {uid} of {poll.folder}"):
        fetched = poll.client.fetch([uid], ["INTERNALDATE"])
    return _delivered(fetched[uid]) if uid in fetched else None


def _kept(summary: FetchSummary, what: str) -> str:
    kept = f"the {summary.fetched} message(s) stored before are kept, " if summary.fetched else ""
    return f"{what}; {kept}the next poll starts afresh"


def _stop(summary: FetchSummary, account: str, why: str, *, interrupted: bool = False) -> None:
    """End the poll early with one line for the operator, naming the mailbox."""
    summary.stopped = f"IMAP account {account or '(unnamed)'}: {why}"
    summary.interrupted = interrupted


def imap_connect() -> IMAPClient:
    if not settings.RENKEI_IMAP_HOST:
        raise RenkeiError("RENKEI_IMAP_HOST is not set: there is no mailbox to poll")
    client = IMAPClient(
        settings.RENKEI_IMAP_HOST, port=settings.RENKEI_IMAP_PORT, ssl=settings.RENKEI_IMAP_SSL,
        timeout=60,
    )  # fmt: skip
    client.login(settings.RENKEI_IMAP_USER, settings.RENKEI_IMAP_PASSWORD)
    return client


def fetchmail_once(connect: Callable[[], MailboxClient] = imap_connect) -> FetchSummary:
    """One poll of the configured mailbox; a failure to reach it is in the summary."""
    account = f"{settings.RENKEI_IMAP_USER}@{settings.RENKEI_IMAP_HOST}"
    try:
        client = connect()
    except (imaplib.IMAP4.error, OSError) as exc:  # refused, unreachable, login refused
        summary = FetchSummary()
        server = f"{settings.RENKEI_IMAP_HOST}:{settings.RENKEI_IMAP_PORT}"
        why = f"could not connect and log in to {server} ({type(exc).__name__}: {exc})"
        _stop(summary, account, _kept(summary, why), interrupted=True)
        return summary
    try:
        return fetch_folder(
            client, folder=settings.RENKEI_IMAP_FOLDER,
            done_folder=settings.RENKEI_IMAP_DONE_FOLDER, account=account,
        )  # fmt: skip
    finally:
        # After a lost connection, logging out fails too; the summary says what happened.
        with suppress(imaplib.IMAP4.error, OSError):
            client.logout()
