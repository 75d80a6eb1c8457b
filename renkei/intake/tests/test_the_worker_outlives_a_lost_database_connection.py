"""`renkei worker` on the database queue carries on after its connection is lost
(a database restart, a network cut): django-tasks' worker stopped at the first such
error and left the queue with no worker.

PostgreSQL only: another session ends the worker's backend (pg_terminate_backend).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test import override_settings
from django_tasks import TaskResultStatus

from renkei.intake.tasks import import_exchange_file
from renkei.intake.tests.helpers import RENKEI, report, write_lines

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="optional: a SQLite database has no connection to lose",
    ),
]


def _admin() -> psycopg.Connection:
    params = connection.get_connection_params()
    keep = ("dbname", "host", "port", "user", "password")
    return psycopg.connect(**{k: v for k, v in params.items() if k in keep}, autocommit=True)


def _others(db: psycopg.Connection) -> list[int]:
    """Backends on this database other than the test's own connections."""
    rows = db.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND pid <> %s",
        [connection.connection.info.backend_pid],
    ).fetchall()
    return [int(row[0]) for row in rows]


def _wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ, "RENKEI_HOME": str(tmp_path / "home"), "RENKEI_DATABASE_URL": url,
        "RENKEI_TASKS_BACKEND": "db", "DJANGO_SETTINGS_MODULE": "renkei.settings",
    }  # fmt: skip
    process = subprocess.Popen(
        [RENKEI, "worker"], env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_the_worker_runs_a_task_queued_after_its_connection_was_ended(
    worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    connection.ensure_connection()
    with _admin() as db:
        assert _wait_for(lambda: bool(_others(db)), 30), "the worker never connected"
        for pid in _others(db):
            db.execute("SELECT pg_terminate_backend(%s)", [pid])

    time.sleep(2)  # the worker meets the ended connection at its next poll
    path = write_lines(tmp_path / "w.jsonl", [report("after", "2023-04-01T10:00:00Z")])
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        result = import_exchange_file.enqueue(str(path))

        def done() -> bool:
            result.refresh()
            return result.status == TaskResultStatus.SUCCESSFUL

        ran = _wait_for(done, 30)

    assert worker.poll() is None, worker.communicate()[1].decode()[-2000:]
    assert ran
