from __future__ import annotations

from django import template

from renkei.coordination.models import Notification
from renkei.coordination.selectors import notifications_undelivered
from renkei.incidents.models import Incident

register = template.Library()


@register.filter
def undelivered_notifications(incident: Incident) -> list[Notification]:
    """The incident's failed notifications that no later delivery has made good."""
    rows = notifications_undelivered(Notification.objects.filter(incident=incident))
    return list(rows.order_by("-sent_at")[:20])
