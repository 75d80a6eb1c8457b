"""Bulk import speed: the fiscal-2023-Q1 scenario (118,039 lines) into an empty database.

    .venv/bin/python bench/bench_import.py [--postgres URL] [--skip-sqlite]

Each database gets a fresh instance in a child process (settings are read
at start-up), so the figures include everything `renkei import` does:
parsing, normalization, dedup, storage and the audit records.
Target (issue 2): >= 20,000 lines/s on SQLite on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT.parent / "shared/scenarios/jpcert-fy2023-q1/scenario.jsonl.gz"
sys.path.insert(0, str(ROOT))


def child(path: Path) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from renkei.intake.importer import ExchangeImporter

    call_command("migrate", verbosity=0)
    connection.ensure_connection()
    started, cpu = time.perf_counter(), time.process_time()
    summary = ExchangeImporter().run(path)
    wall = time.perf_counter() - started
    result = {
        "vendor": connection.vendor,
        "version": ".".join(
            map(str, connection.pg_version // 10000 and divmod(connection.pg_version, 10000))
        )
        if connection.vendor == "postgresql"
        else "",
        "lines": summary.lines,
        "seconds": round(wall, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "lines_per_second": round(summary.lines / wall),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rejected": summary.rejected_count,
        "incidents": summary.incidents_created,
    }
    print(json.dumps(result))


def run(env: dict[str, str], path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        env={**os.environ, **env}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def fresh_postgres(url: str) -> str:
    import psycopg

    base, _, name = url.rpartition("/")
    bench_name = f"{name}_bench"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{bench_name}"')
        conn.execute(f'CREATE DATABASE "{bench_name}"')
    return f"{base}/{bench_name}"


def report(result: dict[str, object]) -> None:
    print(
        f"{result['vendor']} {result['version']}: {result['lines']} lines in {result['seconds']} s "
        f"= {result['lines_per_second']} lines/s (cpu {result['cpu_seconds']} s, "
        f"peak RSS {result['peak_rss_mb']} MB, {result['incidents']} incidents, "
        f"{result['rejected']} rejected)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", type=Path)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/renkei")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--file", type=Path, default=SCENARIO)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    from machine import describe

    print("bench_import:", describe())
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as home:
            report(run({"RENKEI_HOME": home, "RENKEI_DATABASE_URL": ""}, args.file))
    if not args.skip_postgres:
        try:
            url = fresh_postgres(args.postgres)
        except Exception as exc:  # noqa: BLE001 - a laptop without PostgreSQL
            print(f"postgresql: skipped ({exc})")
            return
        with tempfile.TemporaryDirectory() as home:
            report(run({"RENKEI_HOME": home, "RENKEI_DATABASE_URL": url}, args.file))


if __name__ == "__main__":
    main()
