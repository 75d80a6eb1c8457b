"""Reading coordination records for the console."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

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
