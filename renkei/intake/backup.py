"""A whole instance's backup: the database, the center's OpenPGP keyring, the secret key.

Everything renkei keeps is in the database (raw reports and attachments
included) except the GnuPG home, which holds the center's secret key: without
it, reports encrypted to the center can never be read again. The export
format is not a backup (it leaves out users, contacts, templates...).

SQLite is copied with its online backup API in one step, so the copy is one
consistent moment even while an import writes (in WAL mode writers go on).
PostgreSQL is dumped by `pg_dump` in a snapshot exported from our own
transaction, so the manifest's record counts are those of the dump itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
# Sockets and locks of a running gpg-agent are not part of the keyring.
GNUPG_TRANSIENT = ("S.*", "*.lock", ".#lk*")
Say = Callable[[str], None]


class BackupError(Exception):
    """The backup could not be made; nothing was left at the destination."""


def backup_to(path: Path, *, say: Say = lambda line: None) -> dict[str, Any]:
    """Write the backup directory `path` (which must not exist); returns its manifest.

    It is built as `PATH.partial` and renamed once complete, readable by its owner only.
    """
    if path.exists():
        raise BackupError(f"{path} already exists; give a new directory")
    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)  # left by a backup that was stopped
    try:
        partial.mkdir(mode=0o700)
        manifest = _write_contents(partial, say)
        partial.rename(path)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _write_contents(directory: Path, say: Say) -> dict[str, Any]:
    started = datetime.now(UTC)
    if connection.vendor == "sqlite":
        counts = _copy_sqlite(directory / SQLITE_FILE, say)
    elif connection.vendor == "postgresql":
        counts = _dump_postgres(directory / POSTGRES_FILE, say)
    else:
        raise BackupError(f"no backup for a {connection.vendor} database")
    kept = _copy_keys(directory, say)
    manifest = {
        "renkei": metadata.version("renkei"),
        "started_at": started.isoformat().replace("+00:00", "Z"),
        "database": connection.vendor,
        "migrations": _migrations(),
        "counts": counts,
        "files": {name: _sha256(directory / name) for name in _files(directory)},
        "not_included": kept,
    }
    _write_private(directory / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def _copy_sqlite(target: Path, say: Say) -> dict[str, int]:
    connection.ensure_connection()
    source = connection.connection
    database = Path(connection.settings_dict["NAME"])
    wal = database.with_name(database.name + "-wal")
    size = database.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    say(f"copying the SQLite database ({size / 2**20:,.0f} MB)")
    try:
        with closing(sqlite3.connect(target)) as copy:
            source.backup(copy)  # one step: a single consistent read
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            problem = copy.execute("PRAGMA quick_check").fetchone()[0]
            counts = _counts(copy.cursor())
    except sqlite3.Error as exc:  # a full disk comes as SQLite's error, not an OSError
        raise BackupError(f"copying the database to {target} failed: {exc}") from None
    if problem != "ok":
        raise BackupError(f"the copied database fails SQLite's check: {problem}")
    return counts


def _dump_postgres(target: Path, say: Say) -> dict[str, int]:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump was not found: install the PostgreSQL client of the server's major "
            "version (Debian: postgresql-client), or back up with your own tools"
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _counts(cursor)
        say(f"dumping the PostgreSQL database with {pg_dump}")
        _run_pg_dump(pg_dump, snapshot, target)
    return counts


def _run_pg_dump(pg_dump: str, snapshot: str, target: Path) -> None:
    db = connection.settings_dict
    command = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command.append(f"{option}={db[key]}")
    command.append(f"--dbname={db['NAME']}")
    env = {**os.environ, **({"PGPASSWORD": str(db["PASSWORD"])} if db.get("PASSWORD") else {})}
    # A list of arguments, no shell; the values come from our own settings.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-3:]
        raise BackupError(f"pg_dump failed (exit {done.returncode}): {' '.join(detail)}")


def _counts(cursor: Any) -> dict[str, int]:
    """Rows of every renkei table, to compare with a restored database."""
    counts = {}
    for model in _renkei_models():
        table = model._meta.db_table
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # names from our own models
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _renkei_models() -> Iterator[Any]:
    for model in apps.get_models():
        if model._meta.app_config.name.startswith("renkei.") and model._meta.managed:
            yield model


def _migrations() -> dict[str, str]:
    """The latest migration applied per app: a restore needs renkei at least that new."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
        return dict(cursor.fetchall())


def _copy_keys(directory: Path, say: Say) -> list[str]:
    """The GnuPG home and the generated secret key; returns what was not there to copy."""
    missing = []
    gnupg = Path(settings.RENKEI_GPG_HOME)
    if gnupg.is_dir():
        say(f"copying the GnuPG home {gnupg}")
        shutil.copytree(gnupg, directory / "gnupg", ignore=shutil.ignore_patterns(*GNUPG_TRANSIENT))
    else:
        missing.append(f"GnuPG home ({gnupg} does not exist)")
    secret_key = Path(settings.RENKEI_HOME) / "secret_key"
    if (
        secret_key.is_file()
        and secret_key.read_text(encoding="utf-8").strip() == settings.SECRET_KEY
    ):
        shutil.copy2(secret_key, directory / "secret_key")
    else:
        missing.append("secret key (set by RENKEI_SECRET_KEY: keep that setting)")
    return missing


def _files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text + "\n")
