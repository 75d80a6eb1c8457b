"""SLA targets in business days, who sets them, and which incidents are overdue.

A target of N business days is missed once more than N business days
(REPORT-SPEC.md's calendar, `lib/businessdays.py`) have passed: for the
first notification, counted from the first report; for resolution, from
the first notification. Business days grow as the start date moves back,
so "more than N" is the same as "started before a cutoff instant", which
the database can compare against an index.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Case, DateTimeField, Exists, OuterRef, Q, Value, When
from django.db.models.lookups import Exact
from django.utils import timezone

from renkei.accounts.access import is_admin
from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.coordination.models import Notification, NotificationStatus, SlaTarget
from renkei.incidents.labels import CATEGORY_LABELS
from renkei.incidents.models import IncidentStatus
from renkei.lib.businessdays import (
    BusinessCalendar,
    business_days_between_instants,
    home_calendar,
)
from renkei.lib.errors import PermissionDenied, ValidationError


@functools.cache
def calendar() -> BusinessCalendar:
    return home_calendar()


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.RENKEI_TIME_ZONE)


def business_age(start: datetime, now: datetime | None = None) -> int:
    """Business days from `start` to now (0 on the same day)."""
    now = now or timezone.now()
    return business_days_between_instants(start, now, tz=local_tz(), calendar=calendar())


def overdue_cutoff(today: date, days: int) -> datetime:
    """The instant before which a start is more than `days` business days before `today`.

    business_days_between(d, today) > days  <=>  d < the (days+1)-th business
    day counting back from today (today included).
    """
    day = calendar().add_business_days(today + timedelta(days=1), -(days + 1))
    return datetime.combine(day, time.min, tzinfo=local_tz())


@dataclass(frozen=True)
class SlaCutoffs:
    first_notification: dict[str, datetime]
    resolution: dict[str, datetime]
    targets: dict[str, SlaTarget]


def sla_cutoffs(now: datetime | None = None) -> SlaCutoffs:
    today = (now or timezone.now()).astimezone(local_tz()).date()
    targets = {t.category: t for t in SlaTarget.objects.all()}
    return SlaCutoffs(
        first_notification={
            c: overdue_cutoff(today, t.first_notification_days) for c, t in targets.items()
        },
        resolution={c: overdue_cutoff(today, t.resolution_days) for c, t in targets.items()},
        targets=targets,
    )


def overdue_notification_q(cutoffs: SlaCutoffs) -> Q:
    """Open incidents whose first notification (or decision) is overdue."""
    by_category = Q(pk__in=[])
    for category, cutoff in cutoffs.first_notification.items():
        by_category |= Q(category=category, first_report_at__lt=cutoff)
    return Q(status=IncidentStatus.OPEN) & by_category


def overdue_resolution_q(cutoffs: SlaCutoffs) -> Q:
    """Notified incidents not resolved within the target after their first notification.

    One EXISTS whose cutoff depends on the incident's category, rather than
    one EXISTS per category: a single index probe per notified incident.
    """
    if not cutoffs.resolution:
        return Q(pk__in=[])
    cutoff = Case(
        *(
            When(Exact(OuterRef("category"), c), then=Value(at))
            for c, at in cutoffs.resolution.items()
        ),
        output_field=DateTimeField(),
    )
    sent_before = Notification.objects.filter(
        incident=OuterRef("pk"), status=NotificationStatus.SENT, sent_at__lt=cutoff
    )
    return Q(status=IncidentStatus.NOTIFIED) & Q(Exists(sent_before))


def overdue_q(cutoffs: SlaCutoffs) -> Q:
    return overdue_notification_q(cutoffs) | overdue_resolution_q(cutoffs)


# About a year of business days: a larger figure is a typo, not a target.
MAX_TARGET_DAYS = 250


@transaction.atomic
def sla_targets_update(*, actor: User, targets: Mapping[str, tuple[int, int]]) -> list[str]:
    """Set (first notification, resolution) business days per category.

    Returns the categories whose targets changed; each change is audited.
    """
    if not is_admin(actor):
        raise PermissionDenied("only administrators set SLA targets")
    current = {t.category: t for t in SlaTarget.objects.select_for_update()}
    changed = []
    for category, (first, resolution) in targets.items():
        _check_target(category, first, resolution)
        target = current.get(category) or SlaTarget(category=category)
        before = _figures(target) if target.pk else None
        target.first_notification_days, target.resolution_days = first, resolution
        if before == _figures(target):
            continue
        target.save()
        audit_log(
            actor=actor, action="sla.update", obj=target, before=before, after=_figures(target)
        )
        changed.append(category)
    return changed


def _figures(target: SlaTarget) -> dict[str, int]:
    return {
        "first_notification_days": target.first_notification_days,
        "resolution_days": target.resolution_days,
    }


def _check_target(category: str, first: int, resolution: int) -> None:
    if category not in CATEGORY_LABELS:
        raise ValidationError(f"unknown category {category!r}")
    for days in (first, resolution):
        if not 0 <= days <= MAX_TARGET_DAYS:
            raise ValidationError(f"a target is 0 to {MAX_TARGET_DAYS} business days, not {days}")
