"""Polling a report mailbox over IMAP (imapclient) for `renkei fetchmail`.

For each unseen message: fetch it without marking it read (`BODY.PEEK[]`),
store it through `email_receive` (the raw bytes are committed before the
call returns), and only then mark it done: moved to RENKEI_IMAP_DONE_FOLDER
when one is set (MOVE, or COPY where the server lacks MOVE), and flagged
`\\Seen`. Nothing is ever deleted or expunged. A message that could not be
stored is left unseen and the poll stops, so the next poll tries it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from imapclient import SEEN as SEEN_FLAG
from imapclient import IMAPClient

from renkei.intake.collectors.mail import email_receive
from renkei.lib.errors import RenkeiError

log = logging.getLogger(__name__)
FETCH_CHUNK = 20  # messages fetched per round trip


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
    stopped: str = ""  # why the poll stopped early (a message could not be stored)

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
    """A message could not be stored; it stays unseen in the mailbox."""


def _done(client: MailboxClient, uid: int, done_folder: str) -> None:
    """Mark one stored message: moved out of the way if asked, and seen."""
    if done_folder:
        if client.has_capability("MOVE"):
            client.move([uid], done_folder)
            return
        client.copy([uid], done_folder)
    client.add_flags([uid], [SEEN_FLAG])


def _message(item: dict[bytes, Any]) -> tuple[bytes, datetime | None]:
    raw = item.get(b"BODY[]") or b""
    delivered = item.get(b"INTERNALDATE")
    if isinstance(delivered, datetime) and delivered.tzinfo is None:
        delivered = None  # a local time of the server's choosing: use our own clock
    return bytes(raw), delivered


def fetch_folder(client: MailboxClient, *, folder: str, done_folder: str = "") -> FetchSummary:
    """Store every unseen message of `folder`; see the module docstring for the order."""
    client.normalise_times = False
    client.select_folder(folder)
    summary = FetchSummary()
    uids = sorted(client.search(["UNSEEN"]))
    for start in range(0, len(uids), FETCH_CHUNK):
        chunk = uids[start : start + FETCH_CHUNK]
        fetched = client.fetch(chunk, ["BODY.PEEK[]", "INTERNALDATE"])
        for uid in chunk:
            if uid not in fetched:
                continue
            raw, delivered = _message(fetched[uid])
            try:
                outcome = email_receive(raw, collector=f"imap:{folder}", received_at=delivered)
            except Exception as exc:
                log.exception("IMAP message %s could not be stored", uid)
                summary.stopped = f"message UID {uid} not stored ({type(exc).__name__}: {exc})"
                return summary
            _done(client, uid, done_folder)
            summary.count(outcome.status, outcome.raw_id)
    return summary


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
    """One poll of the configured mailbox."""
    client = connect()
    try:
        return fetch_folder(
            client, folder=settings.RENKEI_IMAP_FOLDER, done_folder=settings.RENKEI_IMAP_DONE_FOLDER
        )
    finally:
        client.logout()
