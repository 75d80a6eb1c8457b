"""`renkei import` stopped midway says what it committed, and running it again finishes.

Real processes: a real SIGINT, which lands wherever the import is; a full disk,
made by a limit on how far the process's files may grow (RLIMIT_FSIZE), so
that SQLite's writes fail as on a full disk, inside a group of batches or at
its commit.
"""

from __future__ import annotations

import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

from renkei.intake.tests.helpers import (
    RENKEI,
    assert_a_second_import_finishes,
    committed_reports,
    imported_reports_said,
    many_reports,
    renkei_env,
    renkei_home,
)

pytestmark = pytest.mark.django_db(transaction=True)
LINES = 60_000
FULL_DISK_LINES = 20_000
FILE_LIMIT = 4_000_000  # bytes: a few batches fit, FULL_DISK_LINES reports do not


def _renkei_import(path: Path, home: Path, commit_seconds: str) -> subprocess.Popen[str]:
    env = renkei_env(
        home, RENKEI_IMPORT_BATCH_SIZE="1000", RENKEI_IMPORT_COMMIT_SECONDS=commit_seconds
    )
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
    _sqlite_only()
    home, path = renkei_home(tmp_path), many_reports(tmp_path, LINES)
    database = home / "renkei.sqlite3"

    process = _renkei_import(path, home, commit_seconds)
    deadline = time.monotonic() + 60
    while committed_reports(database) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    assert "interrupted: the batches counted above are committed" in err
    assert "Traceback" not in err
    said = imported_reports_said(out)
    assert 0 < said < LINES
    assert committed_reports(database) == said
    assert_a_second_import_finishes(path, home, said, LINES)


def _small_disk() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on ENOSPC
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def test_an_import_stopped_by_a_full_disk_says_what_it_kept_and_a_second_run_finishes(
    tmp_path: Path,
) -> None:
    _sqlite_only()
    home, path = renkei_home(tmp_path), many_reports(tmp_path, FULL_DISK_LINES)
    settings = {"RENKEI_IMPORT_BATCH_SIZE": "500", "RENKEI_IMPORT_COMMIT_SECONDS": "0.05"}

    full = subprocess.run(
        [RENKEI, "import", "--no-progress", str(path)], env=renkei_env(home, **settings),
        capture_output=True, text=True, preexec_fn=_small_disk,
    )  # fmt: skip

    assert full.returncode == 3, full.stderr
    assert "stopped by a database error" in full.stderr
    assert "Traceback" not in full.stderr
    said = imported_reports_said(full.stdout)
    assert 0 < said < FULL_DISK_LINES
    assert committed_reports(home / "renkei.sqlite3") == said
    assert_a_second_import_finishes(path, home, said, FULL_DISK_LINES)


def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("optional: the command's behaviour does not depend on the database")
