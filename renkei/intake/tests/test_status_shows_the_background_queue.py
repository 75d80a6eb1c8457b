"""`renkei status` says whether background work is waiting, since when, and what failed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from renkei.intake.tasks import import_exchange_file
from renkei.intake.tests.helpers import report, write_lines


def _status() -> dict[str, Any]:
    out = StringIO()
    call_command("status", "--json", stdout=out)
    return dict(json.loads(out.getvalue())["tasks"])


@pytest.fixture
def database_queue() -> Iterator[None]:
    db = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=db, RENKEI_TASKS_BACKEND="db"):
        yield


@pytest.mark.django_db(transaction=True)
def test_waiting_work_its_age_and_failures_on_the_database_queue(
    database_queue: None, tmp_path: Path
) -> None:
    assert _status() == {
        "backend": "db", "waiting": 0, "oldest_waiting_seconds": None, "running": 0,
        "failed_last_day": 0,
    }  # fmt: skip
    good = write_lines(tmp_path / "good.jsonl", [report("s1", "2023-04-01T10:00:00Z")])
    import_exchange_file.enqueue(str(good))
    import_exchange_file.enqueue(str(tmp_path / "gone.jsonl"))  # fails: no such file
    later = timezone.now() + timedelta(hours=1)
    import_exchange_file.using(run_after=later).enqueue(str(good))  # not due: not waiting

    waiting = _status()
    assert (waiting["waiting"], waiting["failed_last_day"]) == (2, 0)
    assert 0 <= waiting["oldest_waiting_seconds"] < 60

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    done = _status()
    assert (done["waiting"], done["oldest_waiting_seconds"], done["failed_last_day"]) == (
        0,
        None,
        1,
    )


@pytest.mark.django_db
def test_the_text_output_names_each_figure(database_queue: None) -> None:
    out = StringIO()
    call_command("status", stdout=out)
    assert "tasks.backend: db" in out.getvalue()
    assert "tasks.oldest_waiting_seconds: -" in out.getvalue()


@pytest.mark.django_db
def test_a_redis_that_does_not_answer_is_said_not_raised() -> None:
    url = "redis://:s3cret@127.0.0.1:1/0"
    with override_settings(
        RENKEI_TASKS_BACKEND="rq", RENKEI_REDIS_URL=url, RQ_QUEUES={"default": {"URL": url}}
    ):
        status = _status()
    assert status["backend"] == "rq"
    assert status["error"].startswith("Redis at 127.0.0.1:1 did not answer")
    assert "s3cret" not in status["error"]


@pytest.mark.redis
@pytest.mark.django_db
def test_work_waiting_on_redis_with_no_worker_to_take_it() -> None:
    import django_rq
    import redis

    url = settings.RQ_QUEUES["default"]["URL"]
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"needs Redis at {url}: {exc}")
    rq = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=rq, RENKEI_TASKS_BACKEND="rq"):
        django_rq.get_queue("default").empty()
        import_exchange_file.enqueue("/nonexistent.jsonl")
        status = _status()
        django_rq.get_queue("default").empty()
    assert (status["waiting"], status["workers"]) == (1, 0)
