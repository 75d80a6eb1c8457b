"""The figures of the console's home page, each one a bounded SQL aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from renkei.coordination.models import Notification
from renkei.coordination.selectors import notifications_undelivered
from renkei.coordination.sla import (
    local_tz,
    overdue_cutoff,
    overdue_notification_q,
    overdue_resolution_q,
    sla_cutoffs,
)
from renkei.incidents.models import CATEGORY_CHOICES, QUEUE_STATUSES, Incident
from renkei.incidents.selectors import reported_again_q
from renkei.intake.models import Report

AGE_BUCKETS = ((0, 3), (4, 7), (8, 10), (11, None))  # business days, as REPORT-SPEC.md buckets
QUARTER_CACHE_SECONDS = 600


@dataclass
class Dashboard:
    today_total: int
    today_by_channel: list[dict[str, Any]]
    open_by_category: list[dict[str, Any]]
    overdue_by_category: list[dict[str, Any]]
    overdue_total: int
    reported_again_total: int
    failed_notifications: list[Notification]
    quarter: dict[str, Any]


def _start_of_today(now: datetime) -> datetime:
    return now.astimezone(local_tz()).replace(hour=0, minute=0, second=0, microsecond=0)


def _open_by_category(now: datetime) -> list[dict[str, Any]]:
    today = now.astimezone(local_tz()).date()
    cut = {days: overdue_cutoff(today, days) for days in (3, 7, 10)}
    buckets = {
        "0-3": Count("pk", filter=Q(first_report_at__gte=cut[3])),
        "4-7": Count("pk", filter=Q(first_report_at__lt=cut[3], first_report_at__gte=cut[7])),
        "8-10": Count("pk", filter=Q(first_report_at__lt=cut[7], first_report_at__gte=cut[10])),
        "11+": Count("pk", filter=Q(first_report_at__lt=cut[10])),
    }
    rows = {
        row["category"]: row
        for row in Incident.objects.filter(status__literal_in=QUEUE_STATUSES)
        .values("category")
        .annotate(total=Count("pk"), **buckets)
    }
    return [
        {"category": value, "label": label, **rows.get(value, {"total": 0})}
        for value, label in CATEGORY_CHOICES
    ]


def _overdue(now: datetime) -> tuple[list[dict[str, Any]], int]:
    cutoffs = sla_cutoffs(now)
    base = Incident.objects.filter(status__literal_in=QUEUE_STATUSES)
    first = dict(
        base.filter(overdue_notification_q(cutoffs)).values_list("category").annotate(n=Count("pk"))
    )
    resolution = dict(
        base.filter(overdue_resolution_q(cutoffs)).values_list("category").annotate(n=Count("pk"))
    )
    rows = [
        {
            "category": value,
            "label": label,
            "notification": first.get(value, 0),
            "resolution": resolution.get(value, 0),
        }
        for value, label in CATEGORY_CHOICES
    ]
    return rows, sum(first.values()) + sum(resolution.values())


def _quarter_figures(now: datetime) -> dict[str, Any]:
    """The running quarter's figures from the reports app when it offers them."""
    local = now.astimezone(local_tz())
    first_month = f"{local.year}-{(local.month - 1) // 3 * 3 + 1:02d}"
    key = f"renkei:dashboard:quarter:{first_month}"
    found = cache.get(key)
    if found is None:
        found = _compute_quarter(first_month, now)
        cache.set(key, found, QUARTER_CACHE_SECONDS)
    return found


def _quarter_from_reports_app(first_month: str) -> dict[str, Any] | None:
    """The reports app's own figures, when it is installed and offers them."""
    try:
        from renkei.reports.figures import quarterly_figures
        from renkei.reports.periods import Quarter
    except ImportError:
        return None
    figures = quarterly_figures(Quarter.parse(first_month))
    totals = figures["totals"]
    return {
        "quarter": first_month,
        "reports": totals["reports"]["total"],
        "incidents": totals["incidents"]["total"],
        "coordinations": totals["coordinations"]["total"],
        "categories": [
            {"category": c["category"], "total": c["total"]} for c in figures["categories"]
        ],
    }


def _compute_quarter(first_month: str, now: datetime) -> dict[str, Any]:
    found = _quarter_from_reports_app(first_month)
    if found is not None:
        return found
    start = datetime.fromisoformat(f"{first_month}-01").replace(tzinfo=local_tz())
    live = Incident.objects.filter(first_report_at__gte=start).exclude(status="merged")
    return {
        "quarter": first_month,
        "reports": Report.objects.filter(received_at__gte=start).count(),
        "incidents": live.count(),
        "coordinations": Notification.objects.filter(sent_at__gte=start, status="sent").count(),
        "categories": [],
    }


def dashboard(now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = Report.objects.filter(received_at__gte=_start_of_today(now))
    counted = today.values_list("channel").annotate(n=Count("pk")).order_by("-n")
    by_channel: list[dict[str, Any]] = [{"channel": c, "n": n} for c, n in counted]
    overdue_rows, overdue_total = _overdue(now)
    recent = Notification.objects.filter(sent_at__gte=now - timedelta(days=30))
    failed = notifications_undelivered(recent).select_related("incident").order_by("-sent_at")[:10]
    return Dashboard(
        today_total=sum(row["n"] for row in by_channel),
        today_by_channel=by_channel,
        open_by_category=_open_by_category(now),
        overdue_by_category=overdue_rows,
        overdue_total=overdue_total,
        reported_again_total=Incident.objects.filter(reported_again_q()).count(),
        failed_notifications=list(failed),
        quarter=_quarter_figures(now),
    )
