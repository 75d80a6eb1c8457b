"""What machine a benchmark ran on: printed at the top of every benchmark.

Machines of the same kind differ from day to day (the same commit imported
the scenario in 6.1 s one day and 10.8-13.0 s another), so the line ends
with two fixed workloads timed on the spot: figures from different days
compare only together with these.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import time
from collections.abc import Callable


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {platform.platform()}; {cores} cores ({cpu_model()}); "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
        f"load average {load}; {calibration()}"
    )


def _python_work() -> None:
    # Interpreter-bound work of the kind an import does: small strings, dicts, tuples.
    index: dict[str, tuple[int, str]] = {}
    for n in range(200_000):
        key = f"https://host{n % 5_000}.example/path/{n}"
        index[key.split("/", 3)[2]] = (n, key.lower())


def _sqlite_work() -> None:
    # Indexed inserts in one transaction, as a batch of reports is stored.
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v TEXT)")
    db.execute("CREATE INDEX t_k ON t (k)")
    with db:
        db.executemany(
            "INSERT INTO t (k, v) VALUES (?, ?)",
            ((f"k{n * 7_919 % 100_003}", f"v{n}") for n in range(200_000)),
        )
    db.close()


def _best_ms(work: Callable[[], None], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def calibration() -> str:
    """Fixed work timed here and now (best of 3): lower is a faster machine."""
    return f"calibration: python {_best_ms(_python_work):.0f} ms, sqlite {_best_ms(_sqlite_work):.0f} ms"
