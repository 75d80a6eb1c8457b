"""A task the worker was running when the database failed under it goes back to the
queue when `renkei worker` starts again; another worker's running task is left alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from renkei.intake.management.commands.worker import release_claims
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
