from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError, connections
from django.utils.crypto import get_random_string

# The longest wait between two starts while the database stays away.
MAX_RETRY_SECONDS = 60


class Command(BaseCommand):
    help = (
        "Run the background worker: the database queue by default, "
        "RQ workers on Redis when RENKEI_TASKS_BACKEND=rq"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default="default")
        parser.add_argument(
            "--batch", action="store_true", help="process what is queued, then exit"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        backend = settings.RENKEI_TASKS_BACKEND
        if backend == "db":
            self._database_queue(options["queue"], batch=options["batch"])
        elif backend == "rq":
            extra = ["--burst"] if options["batch"] else []
            # The scheduler moves deferred tasks (a notification's retry) to the queue when due;
            # without it they waited in Redis for ever.
            call_command(
                "rqworker", options["queue"], "--job-class", "django_tasks_rq.Job",
                "--with-scheduler", *extra,
            )  # fmt: skip
        else:
            raise CommandError(
                f"RENKEI_TASKS_BACKEND={backend!r} runs tasks in the web process; "
                "there is nothing for a worker to do"
            )

    def _database_queue(self, queue: str, *, batch: bool) -> None:
        """django-tasks' worker stops at the first database error but a lock; a database
        restarting or a dropped connection would leave the queue with no worker."""
        delay, worker_id = 1, get_random_string(32)
        while True:
            started = time.monotonic()
            try:
                released = release_claims(worker_id)
                if released:
                    self.stderr.write(f"renkei worker: {released} interrupted task(s) queued again")
                call_command(
                    "db_worker", "--queue-name", queue, "--worker-id", worker_id,
                    *(["--batch"] if batch else []),
                )  # fmt: skip
                return
            except (OperationalError, InterfaceError) as exc:
                if batch:
                    raise
                if time.monotonic() - started > MAX_RETRY_SECONDS:
                    delay = 1  # it had been working: a new outage
                self.stderr.write(
                    f"renkei worker: the database failed ({str(exc).strip()}); "
                    f"starting again in {delay} s"
                )
                connections.close_all()
                time.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)


def release_claims(worker_id: str) -> int:
    """Put back in the queue the tasks this worker was running when the database failed
    under it: left running, no worker would ever take them again (a delivery, an import).

    Running one again is safe: a notification is delivered only while it is still
    queued, and an import skips the reports it already stored.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    mine = [
        pk for pk, ids in running.values_list("id", "worker_ids") if ids and ids[-1] == worker_id
    ]
    return running.filter(id__in=mine).update(status=TaskResultStatus.READY, started_at=None)
