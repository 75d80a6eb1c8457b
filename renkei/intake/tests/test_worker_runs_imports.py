"""The background worker: the database queue, and RQ on a real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus

from renkei.intake.models import Report
from renkei.intake.tasks import import_exchange_file
from renkei.intake.tests.helpers import report, write_lines

REDIS_URL = settings.RQ_QUEUES["default"]["URL"]


def _small_file(tmp_path: Path) -> Path:
    lines = [report(f"w{i}", "2023-04-01T10:00:00Z", category="other") for i in range(5)]
    return write_lines(tmp_path / "w.jsonl", lines)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Iterator[None]:
    # django_tasks resets its backends when TASKS changes (setting_changed).
    with override_settings(TASKS={"default": request.param}):
        yield


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", [{"BACKEND": "django_tasks_db.DatabaseBackend"}], indirect=True)
def test_the_database_worker_runs_a_queued_import(backend: None, tmp_path: Path) -> None:
    result = import_exchange_file.enqueue(str(_small_file(tmp_path)))
    assert Report.objects.count() == 0

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["imported"] == {"report": 5}
    assert Report.objects.count() == 5


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"needs Redis at {REDIS_URL}: {exc}")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "backend", [{"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}], indirect=True
)
def test_an_rq_worker_on_redis_runs_a_queued_import(backend: None, tmp_path: Path) -> None:
    _redis_or_skip()
    import django_rq

    django_rq.get_queue("default").empty()
    result = import_exchange_file.enqueue(str(_small_file(tmp_path)))

    call_command(
        "rqworker", "default", "--burst", "--job-class", "django_tasks_rq.Job",
        "--worker-class", "rq.worker.SimpleWorker", verbosity=0,
    )  # fmt: skip

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert Report.objects.count() == 5


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "backend", [{"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}], indirect=True
)
def test_renkei_worker_on_redis_runs_a_deferred_task_once_it_is_due(
    backend: None, tmp_path: Path
) -> None:
    # A notification's retry is deferred; on RQ only a worker with the scheduler
    # moves it to the queue when due (it waited in Redis for ever).
    _redis_or_skip()
    import django_rq

    django_rq.get_queue("default").empty()
    due = timezone.now() + timedelta(seconds=1)
    result = import_exchange_file.using(run_after=due).enqueue(str(_small_file(tmp_path)))
    while timezone.now() < due + timedelta(seconds=0.5):
        time.sleep(0.1)

    with override_settings(
        RENKEI_TASKS_BACKEND="rq", RQ={"WORKER_CLASS": "rq.worker.SimpleWorker"}
    ):
        call_command("worker", "--batch", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert Report.objects.count() == 5
