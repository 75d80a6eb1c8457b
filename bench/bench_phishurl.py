"""Import speed of the JPCERT/CC phishing URL list: `renkei import phishurl DIR`.

    .venv/bin/python bench/bench_phishurl.py [DIR] [--reimport] [--not-empty]

DIR defaults to ../shared/data/jpcert-phishurl-list (2019-2025, one CSV per
month). A fresh SQLite database in a temporary RENKEI_HOME, set up in a child
process (settings are read at start-up); the figures include everything the
command does: reading, parsing, normalization, brands, dedup, storage, audit.
Target (issue 5): >= 20,000 rows/s. `--not-empty` stores one report of another
source first: an import into an empty database answers refs and keys from what
it stored (ExchangeImporter._alone_on_empty_tables), one into a database that
holds data looks them up in every batch.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "jpcert-phishurl-list"
TARGET = 20_000
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def child(path: Path, reimport: bool, not_empty: bool) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")
    django.setup()
    from django.core.management import call_command

    from renkei.incidents.models import Brand, Incident
    from renkei.intake.feeds.phishurl import PhishurlImporter

    call_command("migrate", verbosity=0)
    if not_empty:
        store_one_report()
    started, cpu = time.perf_counter(), time.process_time()
    summary = PhishurlImporter(source="phishurl").run(path)
    wall = time.perf_counter() - started
    rows = summary.lines - summary_headers(path)
    result = {
        "files": len(list(path.rglob("*.csv"))) if path.is_dir() else 1,
        "rows": rows,
        "imported": summary.imported["report"],
        "duplicates": summary.duplicates["report"],
        "rejected": summary.rejected_count,
        "rejections": summary.rejected[:20],
        "incidents": Incident.objects.count(),
        "brands": Brand.objects.count(),
        "seconds": round(wall, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "rows_per_second": round(rows / wall),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if reimport:
        started = time.perf_counter()
        again = PhishurlImporter(source="phishurl").run(path)
        result["reimport_seconds"] = round(time.perf_counter() - started, 2)
        result["reimport_imported"] = again.imported["report"]
    print(json.dumps(result, ensure_ascii=False))


def store_one_report() -> None:
    from renkei.intake.importer import ExchangeImporter

    line = {
        "kind": "report", "ref": "seed-1", "received_at": "2019-01-01T00:00:00+09:00",
        "channel": "web", "category": "phishing", "url": "https://seed.example.com/",
    }  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as out:
        out.write(json.dumps(line) + "\n")
    ExchangeImporter(source="seed").run(Path(out.name))
    os.unlink(out.name)


def summary_headers(path: Path) -> int:
    """Header lines counted in `lines` (one per file)."""
    return len(list(path.rglob("*.csv"))) if path.is_dir() else 1


def in_fresh_home(arguments: list[str]) -> dict[str, Any]:
    """Run this Python on `arguments` with a new RENKEI_HOME; its last line, read as JSON."""
    with tempfile.TemporaryDirectory(prefix="renkei-bench-") as home:
        out = subprocess.run(
            [sys.executable, *arguments], env={**os.environ, "RENKEI_HOME": home},
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default=str(DEFAULT_DIR))
    parser.add_argument("--reimport", action="store_true", help="then import it all again")
    parser.add_argument(
        "--not-empty", action="store_true", help="store one report first (lookups in every batch)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = Path(args.path)
    if args.child:
        child(path, args.reimport, args.not_empty)
        return 0
    if not path.exists():
        print(f"bench_phishurl: no list at {path}; skipped")
        return 0
    from machine import describe

    print(describe())
    options = ["--reimport"] * args.reimport + ["--not-empty"] * args.not_empty
    result = in_fresh_home([__file__, "--child", str(path), *options])
    verdict = "meets" if result["rows_per_second"] >= TARGET else "below"
    into = " into a database holding one report" if args.not_empty else ""
    print(
        f"phishurl{into}: {result['rows']:,} rows in {result['files']} files, {result['seconds']} s "
        f"({result['cpu_seconds']} s CPU): {result['rows_per_second']:,} rows/s "
        f"({verdict} the {TARGET:,} rows/s target)"
    )
    print(
        f"  imported {result['imported']:,}, duplicates {result['duplicates']:,}, rejected "
        f"{result['rejected']}; incidents {result['incidents']:,}; brands {result['brands']:,}; "
        f"peak RSS {result['peak_rss_mb']} MB"
    )
    for line, reason in result["rejections"]:
        print(f"  rejected line {line}: {reason}")
    if args.reimport:
        print(f"  re-import: {result['reimport_seconds']} s, {result['reimport_imported']} new")
    return 0


if __name__ == "__main__":
    sys.exit(main())
