"""A task the worker was running when the database failed under it goes back to the
queue when `renkei worker` starts again; another worker's running task is left alone.
So do the tasks of a worker of this host that was killed outright."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from renkei.intake.management.commands.worker import (
    new_worker_id,
    release_claims,
    release_dead_claims,
)
from renkei.intake.tasks import import_exchange_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_queue() -> Iterator[None]:
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        yield


def _claimed_by(worker_id: str) -> DBTaskResult:
    result = DBTaskResult.objects.get(id=import_exchange_file.enqueue("/any.jsonl").id)
    result.claim(worker_id)
    return result


def test_only_this_workers_running_tasks_are_queued_again() -> None:
    mine, theirs = _claimed_by("this-worker"), _claimed_by("another-worker")
    waiting = DBTaskResult.objects.get(id=import_exchange_file.enqueue("/other.jsonl").id)

    assert release_claims("this-worker") == 1

    statuses = {r.id: r.status for r in DBTaskResult.objects.all()}
    assert statuses == {
        mine.id: TaskResultStatus.READY,
        theirs.id: TaskResultStatus.RUNNING,
        waiting.id: TaskResultStatus.READY,
    }
    assert DBTaskResult.objects.get(id=mine.id).started_at is None
    assert release_claims("this-worker") == 0


@pytest.fixture
def live_process() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def _worker_of(process: subprocess.Popen[bytes]) -> str:
    host, _, rest = new_worker_id().partition(":")
    return f"{host}:{process.pid}:{rest.partition(':')[2]}"


def _status(result: DBTaskResult) -> str:
    return DBTaskResult.objects.get(id=result.id).status


def test_a_killed_workers_running_task_is_queued_again(
    live_process: subprocess.Popen[bytes],
) -> None:
    killed = _claimed_by(_worker_of(live_process))
    assert release_dead_claims() == 0
    assert _status(killed) == TaskResultStatus.RUNNING

    live_process.kill()
    live_process.wait()

    assert release_dead_claims() == 1
    assert _status(killed) == TaskResultStatus.READY


def test_a_process_that_took_a_dead_workers_number_does_not_keep_its_task(
    live_process: subprocess.Popen[bytes],
) -> None:
    claimed_long_ago = _claimed_by(_worker_of(live_process))
    DBTaskResult.objects.filter(id=claimed_long_ago.id).update(
        started_at=datetime(2020, 1, 1, tzinfo=UTC)
    )

    assert release_dead_claims() == 1
    assert _status(claimed_long_ago) == TaskResultStatus.READY


def test_workers_of_other_hosts_and_unknown_ids_are_left_alone() -> None:
    other_host = _claimed_by("another-host.example:1:abc")
    odd_id = _claimed_by("worker-without-a-host")
    assert release_dead_claims() == 0
    assert _status(other_host) == _status(odd_id) == TaskResultStatus.RUNNING


@pytest.mark.parametrize("host", ["worker-1", "w" * 63 + ".cluster.example.org"])
def test_a_worker_id_fits_django_tasks_limit(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("socket.gethostname", lambda: host)
    assert len(new_worker_id()) < 64
