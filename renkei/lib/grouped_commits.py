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
again and skips what was committed (the dedup keys). Other writers wait for
the lock at most a group's time plus one batch, well inside SQLite's busy
timeout.
PostgreSQL keeps a commit per batch: it commits no pages, and concurrent
writers there wait on rows, not on the database.
"""

from __future__ import annotations

import time
from types import TracebackType

from django.db import connection, transaction

from renkei.lib.interrupts import interrupts_deferred
from renkei.lib.readahead import reading_may_run

# The longest sleep of SQLite's default busy handler between two attempts (100 ms), and a margin.
BUSY_RETRY_SECONDS = 0.11


class GroupedCommits:
    """Call `batch_starts()` before storing a batch and `batch_done()` after it.

    A group opens with its first batch and is committed by the first
    `batch_done()` after it is `seconds` old. Between that commit and the
    next batch (reading and parsing it) no transaction is open, so a writer
    waiting on SQLite's busy timeout gets its turn, as between batches before.
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

    def __enter__(self) -> GroupedCommits:
        self._enabled = (
            self.seconds > 0 and connection.vendor == "sqlite" and not connection.in_atomic_block
        )
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
        thread works meanwhile.
        """
        with reading_may_run():
            time.sleep(BUSY_RETRY_SECONDS)

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
