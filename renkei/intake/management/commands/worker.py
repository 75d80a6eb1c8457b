from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


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
            extra = ["--batch"] if options["batch"] else []
            call_command("db_worker", "--queue-name", options["queue"], *extra)
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
