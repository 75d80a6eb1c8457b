"""Reads about intake and the whole instance (status)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count

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
    }
