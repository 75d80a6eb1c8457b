"""Django's SQLite backend, with a writer that says when it waits for the lock.

A bulk import holds SQLite's write lock for seconds at a time and frees it
only for a moment after each commit (lib/grouped_commits.py). Pausing after
every commit, in case a writer is waiting, costs the import time when, as
nearly always, nobody is. So a transaction here first tries to begin without
waiting; if the database is busy, it touches a marker file next to it
(`waiting_marker`) and then waits on the busy timeout as Django's does. The
import pauses for it at its next commit. A marker that cannot be written
costs only the announcement: the writer waits as before, as do writers that
never announce (the sqlite3 shell, other programs), for whom the import still
pauses now and then. Everything else is Django's; the vendor stays "sqlite".
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from django.db.backends.sqlite3 import base, creation

__all__ = ["DatabaseWrapper", "waiting_marker"]


def waiting_marker(name: str | Path) -> Path | None:
    """The file a writer waiting for database `name` touches; None in memory."""
    if isinstance(name, str) and (
        creation.DatabaseCreation.is_in_memory_db(name) or name.startswith("file:")
    ):
        return None  # nothing beside it to touch (or a URI, not a path)
    return Path(f"{name}-waiting")


class DatabaseCreation(creation.DatabaseCreation):
    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        super()._destroy_test_db(test_database_name, verbosity)  # type: ignore[misc]
        # The marker goes with its database: test runs leave none behind.
        marker = waiting_marker(test_database_name) if test_database_name else None
        if marker is not None:
            marker.unlink(missing_ok=True)


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    transaction_mode: str | None  # Django's __init__ sets it; django-stubs omit it
    # The marker's time as this connection last touched it: an import that found the
    # database busy itself (a writer it let in still at work) need not pause for itself.
    announced_at_ns: int | None = None

    def _start_transaction_under_autocommit(self) -> None:
        marker = waiting_marker(self.settings_dict["NAME"])
        # A deferred BEGIN takes no lock, so it never waits here.
        if marker is not None and self.transaction_mode is not None:
            if self._begin_at_once():
                return
            with contextlib.suppress(OSError):  # unannounced, it still waits
                marker.touch()
                self.announced_at_ns = marker.stat().st_mtime_ns
        super()._start_transaction_under_autocommit()  # type: ignore[misc]  # not in the stubs

    def _begin_at_once(self) -> bool:
        """BEGIN without waiting; False if another connection holds the lock."""
        raw = self.connection
        with self.wrap_database_errors:  # Django's exceptions, as from its cursor
            (timeout,) = raw.execute("PRAGMA busy_timeout").fetchone()
            raw.execute("PRAGMA busy_timeout = 0")
            try:
                # Not through Django's cursor (nor logged with the queries): its error,
                # raised from the sqlite3 one, kept the cursor in a reference cycle and,
                # with the collector paused (an import), the connection open after close().
                raw.execute(f"BEGIN {self.transaction_mode}")
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # extended codes too
                    raise
                return False
            finally:
                raw.execute(f"PRAGMA busy_timeout = {int(timeout)}")
        return True
