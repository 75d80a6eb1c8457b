"""Background work of coordination: delivering notifications."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from renkei.coordination.notifications import notification_attempt


@task()
def notification_deliver(notification_id: int) -> str:
    outcome = notification_attempt(notification_id=notification_id)
    if outcome.retry_in is not None:
        schedule_delivery(notification_id, delay=outcome.retry_in)
    return outcome.status


def schedule_delivery(notification_id: int, *, delay: int = 0) -> None:
    """Enqueue a delivery; later when the backend can defer, at once when it cannot."""
    if delay and notification_deliver.get_backend().supports_defer:
        run_after = timezone.now() + timedelta(seconds=delay)
        notification_deliver.using(run_after=run_after).enqueue(notification_id)
    else:
        notification_deliver.enqueue(notification_id)
