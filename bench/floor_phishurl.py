"""How fast SQLite alone can store what `renkei import phishurl` stores.

    .venv/bin/python bench/floor_phishurl.py [DIR]

Imports the list (DIR defaults to ../shared/data/jpcert-phishurl-list) into a
temporary SQLite database, then replays the very report and incident rows it
wrote into a fresh database with bare `executemany`, in the import's batches
and with its pragmas: once with the schema's indexes, once without the
secondary ones. What the import takes beyond the first figure is renkei's own
work (reading, parsing, normalization, dedup, building rows). Not part of
`make bench` (it imports the list once more and takes about a minute).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "jpcert-phishurl-list"
BATCH = 5_000
COPIED_FIRST = ("accounts_user", "incidents_brand", "intake_rawreport")  # what the rows refer to
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _rows(source: sqlite3.Connection, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = source.execute(f"SELECT * FROM {table} ORDER BY id")  # fixed table names
    return [column[0] for column in cursor.description], cursor.fetchall()


def _insert_sql(table: str, columns: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def replay(source_path: Path, bare: bool) -> None:
    """In the child: a fresh database (RENKEI_HOME), then the timed inserts."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from renkei.lib import sqlbulk

    call_command("migrate", verbosity=0)
    source = sqlite3.connect(source_path)
    with transaction.atomic(), connection.cursor() as cursor:
        for table in COPIED_FIRST:
            columns, rows = _rows(source, table)
            cursor.executemany(
                _insert_sql(table, columns).replace("INSERT", "INSERT OR IGNORE"), rows
            )
        if bare:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN ('intake_report', 'incidents_incident')"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
    report_columns, reports = _rows(source, "intake_report")
    incident_columns, incidents = _rows(source, "incidents_incident")
    incident_by_id = {row[0]: row for row in incidents}
    link = report_columns.index("incident_id")
    seen: set[object] = set()
    started = time.perf_counter()
    with sqlbulk.rare_checkpoints():
        for start in range(0, len(reports), BATCH):
            batch = reports[start : start + BATCH]
            opened = []
            for row in batch:
                if row[link] not in seen:
                    seen.add(row[link])
                    opened.append(incident_by_id[row[link]])
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(_insert_sql("incidents_incident", incident_columns), opened)
                cursor.executemany(_insert_sql("intake_report", report_columns), batch)
    seconds = time.perf_counter() - started
    schema = "without secondary indexes" if bare else "with the schema's indexes"
    print(
        f"  SQLite alone, {schema}: {len(reports):,} reports + {len(seen):,} incidents in "
        f"{seconds:.2f} s = {len(reports) / seconds:,.0f} rows/s"
    )


def _child(args: list[str], home: str) -> str:
    return subprocess.run(
        [sys.executable, *args], env={**os.environ, "RENKEI_HOME": home}, capture_output=True,
        text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default=str(DEFAULT_DIR))
    parser.add_argument("--replay", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay:
        replay(args.replay, args.bare)
        return 0
    if not Path(args.path).exists():
        print(f"floor_phishurl: no list at {args.path}; skipped")
        return 0
    from machine import describe

    print(describe())
    with tempfile.TemporaryDirectory(prefix="renkei-floor-") as imported:
        out = _child([str(ROOT / "bench" / "bench_phishurl.py"), "--child", args.path], imported)
        print(f"  the import itself: {out.strip().splitlines()[-1]}")
        database = str(Path(imported) / "renkei.sqlite3")
        for extra in ([], ["--bare"]):
            with tempfile.TemporaryDirectory(prefix="renkei-floor-") as fresh:
                print(_child([__file__, "--replay", database, *extra], fresh), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
