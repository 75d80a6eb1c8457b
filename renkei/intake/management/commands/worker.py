from __future__ import annotations

import hashlib
import os
import socket
import time
from datetime import datetime
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
        delay, worker_id = 1, new_worker_id()
        while True:
            started = time.monotonic()
            try:
                released = release_claims(worker_id) + release_dead_claims()
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


def new_worker_id() -> str:
    """host:pid:random, so that a worker starting on the same host can tell that the
    worker which claimed a task is gone (django-tasks allows 63 characters)."""
    return f"{_this_host()}:{os.getpid()}:{get_random_string(12)}"


def _this_host() -> str:
    host = socket.gethostname()
    if len(host) <= 40 and ":" not in host:
        return host
    return f"{host[:27]}~{hashlib.sha256(host.encode()).hexdigest()[:12]}"


def release_dead_claims() -> int:
    """Put back the tasks left running by workers of this host that no longer run (killed
    outright, or by the out-of-memory killer): nothing else would ever finish them.

    Workers on other hosts are not judged from here.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    dead = [
        pk
        for pk, ids, started_at in running.values_list("id", "worker_ids", "started_at")
        if ids and _claimer_is_gone(ids[-1], started_at)
    ]
    return running.filter(id__in=dead).update(status=TaskResultStatus.READY, started_at=None)


def _claimer_is_gone(worker_id: str, claimed_at: datetime | None) -> bool:
    host, _, rest = worker_id.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _this_host() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # a worker restarted under the same process id (a container's PID 1)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, under another user
    started = _process_start(pid)
    # A process started after the claim only reuses the claimer's number.
    return started is not None and claimed_at is not None and started > claimed_at.timestamp()


def _process_start(pid: int) -> float | None:
    """When the process started (Unix time), where /proc tells."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        with open("/proc/stat") as system:
            boot = next(int(line.split()[1]) for line in system if line.startswith("btime "))
    except (OSError, StopIteration, IndexError, ValueError):
        return None
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


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
