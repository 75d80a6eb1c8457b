"""Reads about intake and the whole instance (status)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone

from renkei.coordination.models import NoNotification, Notification, Resolution
from renkei.coordination.selectors import notifications_stuck
from renkei.incidents.models import CATEGORY_CHOICES, Brand, Incident
from renkei.intake.models import RawReport, RawStatus, Report


def _database() -> dict[str, str]:
    db = settings.DATABASES["default"]
    info = {"vendor": connection.vendor, "name": str(db["NAME"])}
    if connection.vendor != "sqlite":
        info["host"] = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    return info


def instance_status() -> dict[str, Any]:
    per_category = dict(
        Incident.objects.filter(merged_into__isnull=True)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    return {
        "database": _database(),
        "time_zone": settings.RENKEI_TIME_ZONE,
        "home_country": settings.RENKEI_HOME_COUNTRY,
        "counts": {
            "reports": Report.objects.count(),
            "incidents": sum(per_category.values()),
            "incidents_by_category": {c: per_category.get(c, 0) for c, _ in CATEGORY_CHOICES},
            "notifications": Notification.objects.count(),
            # Queued past their retry schedule: is `renkei worker` running?
            "notifications_stuck": notifications_stuck(Notification.objects.all()).count(),
            "no_notifications": NoNotification.objects.count(),
            "resolutions": Resolution.objects.count(),
            "brands": Brand.objects.count(),
            "failed_raw_reports": RawReport.objects.filter(status=RawStatus.FAILED).count(),
        },
        "tasks": task_queue_status(),
    }


def task_queue_status() -> dict[str, Any]:
    """The background queue as an operator checks it: is work waiting, for how long,
    is a worker taking it, and did tasks fail."""
    backend = settings.RENKEI_TASKS_BACKEND
    if backend == "db":
        return {"backend": backend, **_database_queue()}
    if backend == "rq":
        return {"backend": backend, **_redis_queue()}
    return {"backend": backend}  # run in the calling process: nothing waits


def _database_queue() -> dict[str, Any]:
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    ready = Q(status=TaskResultStatus.READY) & (
        Q(run_after=get_date_max()) | Q(run_after__lte=now)
    )  # as DBTaskResult.objects.ready(), in one aggregate with the rest
    deferred = ~Q(run_after=get_date_max())
    found = DBTaskResult.objects.aggregate(
        waiting=Count("id", filter=ready),
        # Waiting since it was enqueued, or since it became due for a deferred one (a retry).
        enqueued=Min("enqueued_at", filter=ready & ~deferred),
        due=Min("run_after", filter=ready & deferred),
        running=Count("id", filter=Q(status=TaskResultStatus.RUNNING)),
        failed=Count(
            "id",
            filter=Q(status=TaskResultStatus.FAILED, finished_at__gte=now - timedelta(days=1)),
        ),
    )
    oldest = min((t for t in (found["enqueued"], found["due"]) if t is not None), default=None)
    return {
        "waiting": found["waiting"],
        "oldest_waiting_seconds": None if oldest is None else int((now - oldest).total_seconds()),
        "running": found["running"],
        "failed_last_day": found["failed"],
    }


def _redis_queue() -> dict[str, Any]:
    import django_rq
    from redis.exceptions import RedisError
    from rq import Worker

    queue = django_rq.get_queue("default")
    queue.connection.connection_pool.connection_kwargs.setdefault("socket_connect_timeout", 5)
    try:
        return {
            "waiting": queue.count,
            "scheduled": queue.scheduled_job_registry.count,
            "running": queue.started_job_registry.count,
            "failed": queue.failed_job_registry.count,
            "workers": Worker.count(queue=queue),
        }
    except RedisError as exc:
        where = urlsplit(settings.RENKEI_REDIS_URL)  # not the URL: it may hold a password
        return {"error": f"Redis at {where.hostname}:{where.port or 6379} did not answer: {exc}"}
