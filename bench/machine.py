"""What machine a benchmark ran on: printed at the top of every benchmark."""

from __future__ import annotations

import os
import platform
import sqlite3


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
        f"load average {load}"
    )
