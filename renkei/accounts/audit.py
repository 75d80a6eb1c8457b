"""Writing audit records. Services call `audit_log` inside their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from renkei.accounts.models import AuditEvent, User


def _actor_label(actor: User | None, label: str) -> str:
    if label:
        return label
    return actor.get_username() if actor is not None else "system"


def audit_log(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: Any = None,
    after: Any = None,
    actor_label: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_label=_actor_label(actor, actor_label),
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
    )


def audit_log_many(
    *, actor: User | None, action: str, object_type: str, changes: Iterable[tuple[str, Any, Any]]
) -> int:
    """Record one event per (object_id, before, after): for bulk services."""
    now = timezone.now()
    label = _actor_label(actor, "")
    events = [
        AuditEvent(
            at=now,
            actor=actor,
            actor_label=label,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
        )
        for object_id, before, after in changes
    ]
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)
