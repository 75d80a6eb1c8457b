"""Batches of a bulk import sharing one SQLite transaction for a few seconds.

Every batch of an import runs in its own atomic block, so that a batch that
fails is undone alone. On SQLite those blocks become savepoints of a
transaction committed once it has been open for a while, instead of a commit
per batch: a commit copies every page the transaction changed into the WAL,
and the indexes on random keys (report refs, hosts, incident keys) change a
page per row. The phishing URL list, a file of about 3,000 rows a month and
so a commit a month, spent a fifth of its time writing the same index pages
again (bench/README.md, "Session 5").

What a crash can take is then the open group, not a batch: an import is run
again and skips what was committed (the dedup keys). After a commit the import
pauses, leaving the lock free, only when a writer is waiting for it: a renkei
writer that found the database busy says so (lib/sqlite_engine) and waits at
most a group's time plus one batch. Writers that do not say so (the sqlite3
shell, another program), and a second writer that said so at the same time
but missed the pause, get one at least every `GIVE_WAY_ANYWAY_SECONDS`: they
wait at most about that plus a group plus a batch, 7 s and a batch with the
default 2 s groups, inside SQLite's 10 s busy timeout (settings.py).
PostgreSQL keeps a commit per batch: it commits no pages, and concurrent
writers there wait on rows, not on the database.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import TracebackType

from django.db import connection, transaction

from renkei.lib.interrupts import interrupts_deferred
from renkei.lib.readahead import reading_may_run
from renkei.lib.sqlite_engine.base import waiting_marker

# The longest sleep of SQLite's default busy handler between two attempts (100 ms), and a margin.
BUSY_RETRY_SECONDS = 0.11
# How long at most between two pauses when no writer says it waits: each costs
# the import BUSY_RETRY_SECONDS, and a writer that never announces itself waits
# up to this plus a group (RENKEI_IMPORT_COMMIT_SECONDS) plus a batch.
GIVE_WAY_ANYWAY_SECONDS = 5.0


class GroupedCommits:
    """Call `batch_starts()` before storing a batch and `batch_done()` after it.

    A group opens with its first batch and is committed by the first
    `batch_done()` after it is `seconds` old. Between that commit and the
    next batch (reading and parsing it) no transaction is open, and the
    import pauses there when a writer waits on SQLite's busy timeout (see
    `_give_way`); `pauses` counts those pauses.
    Inactive (each batch commits itself) on PostgreSQL, inside a caller's
    transaction, or with `seconds` 0. When an exception leaves the block,
    the batches finished before it are committed: the failing one has undone
    its own savepoint, and losing the others would lose work for nothing.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._enabled = False
        self._atomic: transaction.Atomic | None = None
        self._since = 0.0
        self.pauses = 0
        self._paused_at = 0.0
        self._marker: Path | None = None
        self._marker_seen: int | None = None

    def __enter__(self) -> GroupedCommits:
        self._enabled = (
            self.seconds > 0 and connection.vendor == "sqlite" and not connection.in_atomic_block
        )
        if self._enabled:
            self._marker = waiting_marker(connection.settings_dict["NAME"])
            self._announced()  # what was there before the import is no writer waiting for it
            self._paused_at = time.monotonic()
        return self

    def batch_starts(self) -> None:
        if self._enabled and self._atomic is None:
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self._since = time.monotonic()

    def batch_done(self) -> None:
        if self._atomic is not None and time.monotonic() - self._since >= self.seconds:
            self._commit()
            self._give_way()

    def _give_way(self) -> None:
        """Leave the database unlocked long enough for a waiting writer to notice.

        SQLite's busy handler sleeps between its attempts, at most
        `BUSY_RETRY_SECONDS`; the next batch is usually parsed already (read
        ahead), so without a pause the lock would be free for microseconds
        and a writer could wait out its whole busy timeout. The reading
        thread works meanwhile. Nearly always nobody waits, so the pause is
        made only when a writer announced itself since the last look, or
        when there was none for `GIVE_WAY_ANYWAY_SECONDS` (for writers that
        cannot announce themselves).
        """
        announced = self._announced()
        if not announced and time.monotonic() - self._paused_at < GIVE_WAY_ANYWAY_SECONDS:
            return
        with reading_may_run():
            time.sleep(BUSY_RETRY_SECONDS)
        self.pauses += 1
        self._paused_at = time.monotonic()

    def _announced(self) -> bool:
        """Whether another writer touched the waiting marker since the last call."""
        try:
            mtime = os.stat(self._marker).st_mtime_ns if self._marker else None
        except OSError:  # none yet, or unreadable: nobody said anything
            mtime = None
        changed, self._marker_seen = mtime != self._marker_seen, mtime
        own = getattr(connection, "announced_at_ns", None)
        return changed and mtime is not None and mtime != own

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        self._enabled = False
        if self._atomic is None:
            return
        if exc_type is not None and connection.needs_rollback:
            atomic, self._atomic = self._atomic, None
            atomic.__exit__(exc_type, exc, tb)
            return
        self._commit()

    def _commit(self) -> None:
        atomic, self._atomic = self._atomic, None
        assert atomic is not None
        # Ctrl-C between the COMMIT and its hooks would leave the import's own
        # count of what it committed behind the database's.
        with reading_may_run(), interrupts_deferred():
            atomic.__exit__(None, None, None)
