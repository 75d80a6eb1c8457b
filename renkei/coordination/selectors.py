"""Reading coordination records for the console."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from renkei.coordination.models import Notification, NotificationStatus


def notifications_undelivered(notifications: QuerySet[Notification]) -> QuerySet[Notification]:
    """The failed notifications whose party has not been reached since: a later
    notification of the same incident to the same address that was sent (a re-send,
    or one written anew) settles the failure, which stays in the history as it was."""
    delivered_later = Notification.objects.filter(
        incident=OuterRef("incident"),
        recipient__iexact=OuterRef("recipient"),
        status=NotificationStatus.SENT,
        sent_at__gt=OuterRef("sent_at"),
    )
    return notifications.filter(status=NotificationStatus.FAILED).exclude(Exists(delivered_later))


def retry_delay(attempts: int) -> int:
    """Seconds before the next delivery attempt after `attempts` failed ones (doubling)."""
    return int(settings.RENKEI_NOTIFY_RETRY_SECONDS * 2 ** (attempts - 1))


def stuck_after() -> timedelta:
    """How long a notification may stay queued: its whole retry schedule, and half an
    hour for a busy queue. Longer, and no worker is delivering it (none running, or
    one that died mid-delivery)."""
    schedule = sum(retry_delay(n) for n in range(1, settings.RENKEI_NOTIFY_MAX_ATTEMPTS))
    return timedelta(seconds=schedule) + timedelta(minutes=30)


def notifications_stuck(
    notifications: QuerySet[Notification], now: datetime | None = None
) -> QuerySet[Notification]:
    """Queued notifications that should have been delivered or failed by now."""
    cutoff = (now or timezone.now()) - stuck_after()
    return notifications.filter(status=NotificationStatus.QUEUED, sent_at__lt=cutoff)
