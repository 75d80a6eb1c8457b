"""Run every benchmark in bench/ in turn (make bench); each prints its own figures."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = Path(tempfile.gettempdir()) / "renkei-bench"
# Scripts run more than once, with these arguments (a database each, an option).
RUNS: dict[str, list[list[str]]] = {
    "bench_report.py": [
        [f"sqlite:///{WORK}/report.sqlite3", "--pdf"],
        ["postgresql://postgres@127.0.0.1:5432/renkei_bench_report"],
    ],
    "bench_queue.py": [
        [],
        ["--database-url", "postgresql://postgres@127.0.0.1:5432/renkei_bench_queue"],
    ],
    # Into a new database (the target's figure), and into one that holds data.
    "bench_phishurl.py": [[], ["--not-empty"]],
}


def main() -> int:
    failed = []
    WORK.mkdir(exist_ok=True)
    for script in sorted(HERE.glob("bench_*.py")):
        for args in RUNS.get(script.name, [[]]):
            print(f"\n=== {script.name} {' '.join(args)}", flush=True)
            if subprocess.run([sys.executable, str(script), *args], check=False).returncode:
                failed.append(f"{script.name} {' '.join(args)}")
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
