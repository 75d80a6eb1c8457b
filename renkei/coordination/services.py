"""Writing coordination records: notifications, no-notification decisions, resolutions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.coordination.models import (
    Contact,
    NoNotification,
    Notification,
    NotificationStatus,
    Resolution,
)
from renkei.incidents.models import Incident, IncidentStatus
from renkei.intake.exchange import NoNotificationRecord, NotificationRecord, ResolutionRecord
from renkei.intake.services import ReportRef
from renkei.lib import sqlbulk

CoordinationRecord = NotificationRecord | NoNotificationRecord | ResolutionRecord
# (source, report ref) -> where that report went, or None when it is unknown.
ReportResolver = Callable[[str, str], ReportRef | None]


@dataclass
class CoordinationResult:
    imported: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)


def _own_source(record: NotificationRecord, source: str) -> str:
    """The source the notification's ref is unique in: its own (`console`, when renkei
    sent it), else the line's, else the import's."""
    if record.sent is not None and record.sent.own_source:
        return record.sent.own_source
    return record.source or source


def _existing_notification_refs(
    records: list[NotificationRecord], source: str
) -> set[tuple[str, str]]:
    """(source, ref) of the notifications already stored, each in the source its line names:
    looking in the import's source only, a line naming another one was inserted again
    on a second import, and the unique constraint failed its whole batch."""
    refs: dict[str, list[str]] = {}
    for record in records:
        refs.setdefault(_own_source(record, source), []).append(record.ref)
    return {
        (name, ref)
        for name, wanted in refs.items()
        for ref in sqlbulk.existing(Notification, "ref", wanted, source=name)
    }


_NOTIFICATION_FIELDS = (
    "source", "ref", "incident", "report", "sent_at", "recipient", "recipient_country", "basis",
    "status", "extra", "subject", "body", "language", "error", "message_id", "attempts",
    "contact", "created_by",
)  # fmt: skip


def _ids_by(model: type[Contact | User], name: str, values: set[str]) -> dict[str, int]:
    if not values:
        return {}
    return dict(model.objects.filter(**{f"{name}__in": values}).values_list(name, "id"))


@dataclass
class _Links:
    """Contacts by e-mail address and users by name, for the notifications that name them."""

    contacts: dict[str, int]
    users: dict[str, int]

    @classmethod
    def of(cls, records: list[NotificationRecord]) -> _Links:
        sent = [r.sent for r in records if r.sent is not None]
        emails = {s.contact for s in sent if s.contact}
        names = {s.created_by for s in sent if s.created_by}
        return cls(
            contacts=_ids_by(Contact, "email", emails), users=_ids_by(User, "username", names)
        )

    def row_values(self, record: NotificationRecord) -> tuple[object, ...]:
        """(extra, subject, ..., contact id, user id); a contact or user this instance
        lacks stays in `extra` under its line's name, and is exported again from there."""
        sent = record.sent
        if sent is None:
            return (record.extra, "", "", "", "", "", 0, None, None)
        contact, user = self.contacts.get(sent.contact), self.users.get(sent.created_by)
        missing = {"contact": sent.contact if contact is None else "",
                   "created_by": sent.created_by if user is None else ""}  # fmt: skip
        extra = record.extra | {name: value for name, value in missing.items() if value}
        return (
            extra, sent.subject, sent.body, sent.language, sent.error, sent.message_id,
            sent.attempts, contact, user,
        )  # fmt: skip


def _notifications(
    records: list[tuple[NotificationRecord, ReportRef]], source: str, result: CoordinationResult
) -> set[int]:
    seen = _existing_notification_refs([r for r, _ in records], source)
    links = _Links.of([r for r, _ in records])
    rows = []
    notified: set[int] = set()  # only a notification that went out makes its incident notified
    for record, target in records:
        ident = (_own_source(record, source), record.ref)
        if ident in seen:
            result.duplicates["notification"] += 1
            continue
        seen.add(ident)
        if record.status == NotificationStatus.SENT:
            notified.add(target.incident_id)
        rows.append(
            (
                *ident,
                target.incident_id,
                target.report_id,
                record.sent_at,
                record.recipient,
                record.recipient_country,
                record.basis,
                record.status,
                *links.row_values(record),
            )
        )
    sqlbulk.insert(Notification, _NOTIFICATION_FIELDS, rows)
    result.imported["notification"] += len(rows)
    return notified


def _decisions(
    records: list[tuple[NoNotificationRecord, ReportRef]], result: CoordinationResult
) -> set[int]:
    incident_ids = {t.incident_id for _, t in records}
    seen = set(
        NoNotification.objects.filter(incident_id__in=incident_ids).values_list(
            "incident_id", "decided_at", "reason"
        )
    )
    rows = []
    for record, target in records:
        ident = (target.incident_id, record.decided_at, record.reason)
        if ident in seen:
            result.duplicates["no_notification"] += 1
            continue
        seen.add(ident)
        rows.append(
            (target.incident_id, target.report_id, record.decided_at, record.reason, record.extra)
        )
    fields = ("incident", "report", "decided_at", "reason", "extra")
    sqlbulk.insert(NoNotification, fields, rows)
    result.imported["no_notification"] += len(rows)
    return {int(row[0]) for row in rows}  # type: ignore[call-overload]


def _resolutions(
    records: list[tuple[ResolutionRecord, ReportRef]], result: CoordinationResult
) -> set[int]:
    incident_ids = {t.incident_id for _, t in records}
    seen = set(
        Resolution.objects.filter(incident_id__in=incident_ids).values_list(
            "incident_id", "resolved_at"
        )
    )
    rows = []
    for record, target in records:
        ident = (target.incident_id, record.resolved_at)
        if ident in seen:
            result.duplicates["resolution"] += 1
            continue
        seen.add(ident)
        rows.append((target.incident_id, target.report_id, record.resolved_at, record.extra))
    sqlbulk.insert(Resolution, ("incident", "report", "resolved_at", "extra"), rows)
    result.imported["resolution"] += len(rows)
    return {int(row[0]) for row in rows}  # type: ignore[call-overload]


# A status only moves forward: open -> not_notified -> notified -> resolved.
_STATUS_FROM = {
    IncidentStatus.NOT_NOTIFIED: [IncidentStatus.OPEN],
    IncidentStatus.NOTIFIED: [IncidentStatus.OPEN, IncidentStatus.NOT_NOTIFIED],
    IncidentStatus.RESOLVED: [
        IncidentStatus.OPEN,
        IncidentStatus.NOT_NOTIFIED,
        IncidentStatus.NOTIFIED,
    ],
}


def _advance_status(incident_ids: set[int], status: IncidentStatus) -> None:
    if not incident_ids:
        return
    table = connection.ops.quote_name(Incident._meta.db_table)
    allowed = ", ".join(f"'{s.value}'" for s in _STATUS_FROM[status])
    ids = sorted(incident_ids)
    # updated_at too: the API's feed of changes goes by it.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            marks = ", ".join(["%s"] * len(chunk))
            # `status || ''` keeps the planner off the status index: it would
            # walk every open incident (all of them, in time) to find these ids.
            cursor.execute(
                f"UPDATE {table} SET status = %s, updated_at = %s "
                f"WHERE id IN ({marks}) AND status || '' IN ({allowed})",
                [status.value, now, *chunk],
            )


@transaction.atomic
def coordination_import_batch(
    *,
    notifications: list[tuple[NotificationRecord, ReportRef]],
    no_notifications: list[tuple[NoNotificationRecord, ReportRef]],
    resolutions: list[tuple[ResolutionRecord, ReportRef]],
    source: str,
    actor: User | None = None,
    actor_label: str = "",
) -> CoordinationResult:
    """Record coordination that happened elsewhere (bulk import), all or nothing."""
    result = CoordinationResult()
    _advance_status(_decisions(no_notifications, result), IncidentStatus.NOT_NOTIFIED)
    _advance_status(_notifications(notifications, source, result), IncidentStatus.NOTIFIED)
    _advance_status(_resolutions(resolutions, result), IncidentStatus.RESOLVED)
    if sum(result.imported.values()):
        audit_log(
            actor=actor,
            actor_label=actor_label,
            action="coordination.import",
            object_type="coordination",
            after={
                "notifications": len(notifications),
                "no_notifications": len(no_notifications),
                "resolutions": len(resolutions),
                "imported": dict(result.imported),
            },
        )
    return result
