"""A renkei writer that finds the SQLite database locked touches `<database>-waiting`,
then waits on the busy timeout as before; a bulk import pauses for it at its next
commit instead of after every commit (lib/grouped_commits.py)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction

from renkei.lib.sqlite_engine.base import waiting_marker

pytestmark = pytest.mark.django_db(transaction=True)
LONG_AGO_NS = 1_000_000_000_000_000_000  # 2001: any touch moves the mtime


@pytest.fixture
def marker() -> Iterator[Path]:
    if connection.vendor != "sqlite":
        pytest.skip("optional: only SQLite has one lock for the whole database")
    path = Path(connection.settings_dict["NAME"] + "-waiting")
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


@pytest.fixture
def locked() -> Iterator[sqlite3.Connection]:
    """Another program holds the write lock until the test rolls back."""
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def _writer() -> tuple[threading.Thread, list[int]]:
    """A transaction on a Django connection of its own; the busy timeout it ran under."""
    timeouts: list[int] = []

    def write() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout")
                timeouts.append(cursor.fetchone()[0])
        finally:
            connection.close()

    return threading.Thread(target=write), timeouts


def _mtime(path: Path) -> int | None:
    return path.stat().st_mtime_ns if path.exists() else None


def test_a_writer_that_finds_the_lock_taken_touches_the_marker_and_gets_in_once_it_is_free(
    marker: Path, locked: sqlite3.Connection
) -> None:
    marker.touch()
    os.utime(marker, ns=(LONG_AGO_NS, LONG_AGO_NS))
    writer, timeouts = _writer()
    writer.start()

    deadline = time.monotonic() + 5
    while _mtime(marker) == LONG_AGO_NS and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _mtime(marker) != LONG_AGO_NS
    assert writer.is_alive()  # announced, and now waiting on the busy timeout
    locked.execute("ROLLBACK")
    writer.join(10)

    assert not writer.is_alive()
    assert timeouts == [10_000]  # the configured timeout, back after the attempt without one


def test_a_writer_that_finds_the_lock_free_leaves_the_marker_alone(marker: Path) -> None:
    writer, timeouts = _writer()
    writer.start()
    writer.join(10)

    assert timeouts == [10_000]
    assert not marker.exists()


def test_a_marker_that_cannot_be_written_only_goes_unannounced(
    marker: Path, locked: sqlite3.Connection, tmp_path: Path
) -> None:
    marker.symlink_to(tmp_path / "no such directory" / "waiting")  # touching it fails
    writer, timeouts = _writer()
    writer.start()
    time.sleep(0.3)

    assert writer.is_alive()  # waiting, not failed
    locked.execute("ROLLBACK")
    writer.join(10)
    assert timeouts == [10_000]


def test_an_in_memory_database_has_no_marker() -> None:
    assert waiting_marker(":memory:") is None
    assert waiting_marker("file:memorydb_default?mode=memory&cache=shared") is None
    beside = Path("/srv/renkei/renkei.sqlite3-waiting")
    assert waiting_marker("/srv/renkei/renkei.sqlite3") == beside
