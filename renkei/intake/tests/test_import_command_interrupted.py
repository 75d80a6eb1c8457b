"""Ctrl-C during `renkei import`: what was committed is said, and running it again finishes.

A real process and a real SIGINT: the interrupt lands wherever the import is.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from renkei.intake.tests.helpers import report, write_lines

pytestmark = pytest.mark.django_db(transaction=True)
LINES = 60_000
RENKEI = str(Path(sys.executable).with_name("renkei"))  # the console script beside python


def _committed_reports(database: Path) -> int:
    try:
        with sqlite3.connect(database, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM intake_report").fetchone()[0])
    except sqlite3.OperationalError:  # not migrated yet
        return 0


def _env(home: Path, **settings: str) -> dict[str, str]:
    env = {**os.environ, "RENKEI_HOME": str(home), "DJANGO_SETTINGS_MODULE": "renkei.settings"}
    env.pop("RENKEI_DATABASE_URL", None)
    return env | settings


def _renkei_import(path: Path, home: Path, commit_seconds: str) -> subprocess.Popen[str]:
    env = _env(home, RENKEI_IMPORT_BATCH_SIZE="1000", RENKEI_IMPORT_COMMIT_SECONDS=commit_seconds)
    return subprocess.Popen(
        [RENKEI, "import", "--no-progress", str(path)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A shell running the suite in the background ignores SIGINT; its children would too.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


@pytest.mark.parametrize("commit_seconds", ["0", "1"])  # a commit per batch; the default
def test_an_interrupted_import_says_what_it_kept_and_a_second_run_finishes(
    tmp_path: Path, commit_seconds: str
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("optional: the command's behaviour does not depend on the database")
    home = tmp_path / "home"
    lines = [
        report(f"r{i}", "2025-04-01T10:00:00+09:00", url=f"https://s{i}.example/")
        for i in range(LINES)
    ]
    path = write_lines(tmp_path / "big.jsonl", lines)  # type: ignore[arg-type]
    subprocess.run(
        [RENKEI, "init"], env=_env(home),
        check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    database = home / "renkei.sqlite3"

    process = _renkei_import(path, home, commit_seconds)
    deadline = time.monotonic() + 60
    while _committed_reports(database) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    assert "interrupted: the batches counted above are committed" in err
    assert "Traceback" not in err
    said = int(re.search(r"imported [^;]*?report (\d+)", out).group(1))  # type: ignore[union-attr]
    assert 0 < said < LINES
    assert _committed_reports(database) == said
    again = subprocess.run(
        [RENKEI, "import", "--no-progress", str(path)],
        env=_env(home), capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert f"duplicates report {said}" in again.stdout
    assert _committed_reports(database) == LINES
