"""Where the phishing URL list's import time goes, in parts.

    .venv/bin/python bench/phishurl_parts.py [DIR] [--busy]

Imports the list (DIR defaults to ../shared/data/jpcert-phishurl-list) into a
fresh SQLite database twice, each in its own child process:

- as `renkei import phishurl` does, parsing in the read-ahead thread while
  the main thread stores;
- with every batch parsed first and then stored, one after the other: the
  parse time and the storing time alone.

Each line gives the wall time, the main thread's CPU time and the time spent
in the SQLite calls of the storing (multi-row INSERT/UPDATE, the IN lookups,
the grouped commits and the pauses after them), timed around renkei's own
functions. `--busy` runs a process doing Python work on the other core
throughout, to see how much two busy cores slow each other on this machine.
Not part of `make bench`.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "jpcert-phishurl-list"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _timed(owner: Any, name: str, spent: collections.Counter[str]) -> None:
    """Wrap `owner.name` so that the time spent in it adds up in `spent`."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - started

    setattr(owner, name, wrapper)


def child(path: Path, sequential: bool) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")
    django.setup()
    from django.core.management import call_command

    from renkei.intake import importer
    from renkei.intake.feeds.phishurl import PhishurlImporter
    from renkei.lib import grouped_commits, sqlbulk

    call_command("migrate", verbosity=0)
    spent: collections.Counter[str] = collections.Counter()
    for name in ("_multirow", "_select_in"):
        _timed(sqlbulk, name, spent)
    for name in ("_commit", "_give_way"):  # the commits, the pauses after them
        _timed(grouped_commits.GroupedCommits, name, spent)

    @contextlib.contextmanager
    def parsed_first(items: Iterator[Any], depth: int = 2) -> Iterator[Iterator[Any]]:
        started = time.perf_counter()
        batches = list(items)
        spent["parsing"] += time.perf_counter() - started
        yield iter(batches)

    if sequential:
        importer.read_ahead = parsed_first  # type: ignore[assignment]
    started, cpu = time.perf_counter(), time.thread_time()
    summary = PhishurlImporter(source="phishurl").run(path)
    result = {
        "seconds": round(time.perf_counter() - started, 2),
        "main_thread_cpu": round(time.thread_time() - cpu, 2),
        "imported": summary.imported["report"],
        **{name: round(value, 2) for name, value in spent.items()},
    }
    print(json.dumps(result))


def _busy(stop: Any) -> None:
    while not stop.is_set():
        index = {f"https://host{n % 5_000}.example/{n}": n for n in range(300_000)}
        index.clear()


def _run(path: Path, sequential: bool) -> dict[str, Any]:
    from bench_phishurl import in_fresh_home

    return in_fresh_home([__file__, "--child", str(path), *(["--sequential"] * sequential)])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default=str(DEFAULT_DIR))
    parser.add_argument("--busy", action="store_true", help="keep the other core busy")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sequential", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = Path(args.path)
    if args.child:
        child(path, args.sequential)
        return 0
    if not path.exists():
        print(f"phishurl_parts: no list at {path}; skipped")
        return 0
    from machine import describe

    print(describe())
    stop = multiprocessing.Event()
    busy = multiprocessing.Process(target=_busy, args=(stop,), daemon=True)
    if args.busy:
        busy.start()
    try:
        for label, sequential in (("read ahead", False), ("parsed first", True)):
            result = _run(path, sequential)
            seconds = result.pop("seconds")
            rows = f"{result.pop('imported'):,} reports"
            print(f"{label:>12}: {seconds} s, {rows}; {result}")
    finally:
        stop.set()
        if args.busy:
            busy.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
