"""A fake IMAP server at the imapclient level, for the `renkei fetchmail` tests.

The IMAP server is the process boundary, so it is the one thing replaced: a
mailbox that records what the client asked of it, checks at each flag or
move that the message is already committed to the database, and answers a
refused command as imapclient reports a server's NO.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import Q
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from renkei.intake.models import RawReport

DELIVERED = datetime(2024, 4, 1, 1, 2, 3, tzinfo=UTC)


class FakeMailbox:
    def __init__(
        self, messages: dict[int, bytes], *, capabilities: tuple[str, ...] = (),
        folders: tuple[str, ...] = ("renkei/done",),
    ) -> None:  # fmt: skip
        self.messages = messages  # of the polled folder, by UID
        self.folders: dict[str, list[bytes]] = {name: [] for name in folders}  # the others
        self.capabilities = capabilities
        self.calls: list[tuple[Any, ...]] = []
        self.seen: set[int] = set()
        self.normalise_times = True
        # command -> the server's answer, or an exception to raise (a lost connection)
        self.refuse: dict[str, str | BaseException] = {}
        self.connected = True
        self.cut: tuple[str, int, BaseException] | None = None

    def connect(self) -> FakeMailbox:
        """A new connection to the same mailbox, as the next poll opens."""
        self.connected = True
        return self

    def lose_connection(
        self, command: str, *, after: int = 0, error: BaseException | None = None
    ) -> None:
        """The connection breaks at that command once `after` of them were answered.

        Every later command on this connection fails too, as on a dead socket.
        """
        self.cut = (command, after, error or IMAPClientAbortError("socket error: EOF"))

    def _refused(self, command: str) -> None:
        if not self.connected:
            raise IMAPClientAbortError("socket error: EOF")
        if self.cut is not None and self.cut[0] == command:
            _, after, error = self.cut
            self.cut = (command, after - 1, error) if after else None
            if not after:
                self.connected = False
                raise error
        answer = self.refuse.get(command)
        if isinstance(answer, BaseException):
            raise answer
        if answer is not None:  # as IMAPClient._check_resp words a NO
            raise IMAPClientError(f"{command} failed: {answer}")

    def login(self, username: str, password: str) -> None:
        self.calls.append(("login", username))

    def select_folder(self, folder: str, readonly: bool = False) -> dict[bytes, Any]:
        self._refused("select")
        self.calls.append(("select", folder))
        return {b"EXISTS": len(self.messages), b"UIDVALIDITY": 1711900000}

    def search(self, criteria: Any = "ALL", charset: str | None = None) -> list[int]:
        self._refused("search")
        self.calls.append(("search", tuple(criteria)))
        if criteria == ["ALL"]:
            return list(self.messages)
        assert criteria == ["UNSEEN"], criteria
        return [uid for uid in self.messages if uid not in self.seen]

    def fetch(self, messages: list[int], data: list[str], modifiers: Any = None) -> dict[int, Any]:
        # PEEK: fetching must not mark the message read
        assert not any(re.match(r"(BODY|RFC822)(\[|$)", item) for item in data), data
        self._refused("fetch")
        self.calls.append(("fetch", tuple(messages), tuple(data)))
        # A UID no longer in the folder (expunged, moved away) is left out, as servers do.
        return {u: self._items(self.messages[u], data) for u in messages if u in self.messages}

    def _items(self, raw: bytes, data: list[str]) -> dict[bytes, Any]:
        items: dict[bytes, Any] = {}
        for item in data:
            if item == "BODY.PEEK[]":
                items[b"BODY[]"] = raw
            elif item.startswith("BODY.PEEK[HEADER]<0."):
                length = int(item.rsplit(".", 1)[1].rstrip(">"))
                items[b"BODY[HEADER]<0>"] = raw[: raw.find(b"\r\n\r\n") + 4][:length]
            elif item == "RFC822.SIZE":
                items[b"RFC822.SIZE"] = len(raw)
            elif item == "INTERNALDATE":
                items[b"INTERNALDATE"] = DELIVERED
            else:
                raise AssertionError(f"unexpected fetch item {item}")
        return items

    def fetched_whole(self) -> set[int]:
        """The UIDs whose whole message was downloaded."""
        return {
            uid for c in self.calls if c[0] == "fetch" and "BODY.PEEK[]" in c[2] for uid in c[1]
        }

    def _committed(self, uid: int) -> None:
        """Asked from another thread, hence another connection: it sees only committed rows."""

        def visible() -> bool:
            try:
                stored = Q(content=self.messages[uid]) | Q(arrival__imap__uid=uid)
                return RawReport.objects.filter(stored).exists()
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=1) as other:
            assert other.submit(visible).result(), f"UID {uid} marked before it was committed"

    def add_flags(self, messages: list[int], flags: list[bytes], silent: bool = False) -> None:
        assert b"\\Deleted" not in flags
        self._refused("store")
        for uid in messages:
            self._committed(uid)
            self.seen.add(uid)
        self.calls.append(("flag", tuple(messages), tuple(flags)))

    def _target(self, command: str, folder: str) -> list[bytes]:
        self._refused(command)
        if folder not in self.folders:  # as Dovecot answers, worded as imapclient reports it
            raise IMAPClientError(f"{command} failed: [TRYCREATE] Mailbox doesn't exist: {folder}")
        return self.folders[folder]

    def copy(self, messages: list[int], folder: str) -> None:
        target = self._target("copy", folder)
        for uid in messages:
            self._committed(uid)
            target.append(self.messages[uid])
        self.calls.append(("copy", tuple(messages), folder))

    def move(self, messages: list[int], folder: str) -> None:
        target = self._target("move", folder)
        for uid in messages:
            self._committed(uid)
            target.append(self.messages.pop(uid))
            self.seen.discard(uid)
        self.calls.append(("move", tuple(messages), folder))

    def has_capability(self, capability: str) -> bool:
        return capability in self.capabilities

    def expunge(self, messages: Any = None) -> None:
        raise AssertionError("fetchmail must never expunge")

    def delete_messages(self, messages: Any, silent: bool = False) -> None:
        raise AssertionError("fetchmail must never delete")

    def logout(self) -> None:
        self._refused("logout")
        self.calls.append(("logout",))
