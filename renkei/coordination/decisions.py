"""No-notification decisions and resolutions recorded from the console."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.coordination.models import NO_NOTIFICATION_REASONS, NoNotification, Resolution
from renkei.incidents.labels import STATUS_LABELS
from renkei.incidents.models import Incident, IncidentStatus
from renkei.incidents.selectors import reports_after_resolution
from renkei.incidents.services import MAX_BULK, require_staff
from renkei.lib.errors import ValidationError

REASONS = {value for value, _ in NO_NOTIFICATION_REASONS}


@transaction.atomic
def incident_decide_no_notification(
    *, actor: User, incidents: list[Incident], reason: str, decided_at: datetime | None = None
) -> int:
    """Record that open incidents need no notification, and why; others are left alone."""
    require_staff(actor)
    if reason not in REASONS:
        raise ValidationError(f"unknown no-notification reason {reason!r}")
    decided_at = decided_at or timezone.now()
    ids = [i.pk for i in incidents[:MAX_BULK]]
    changed = 0
    for incident in Incident.objects.select_for_update().filter(
        pk__in=ids, status=IncidentStatus.OPEN
    ):
        NoNotification.objects.create(incident=incident, decided_at=decided_at, reason=reason)
        incident.status = IncidentStatus.NOT_NOTIFIED
        incident.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=actor,
            action="incident.no_notification",
            obj=incident,
            before={"status": IncidentStatus.OPEN},
            after={"status": incident.status, "reason": reason},
        )
        changed += 1
    return changed


@transaction.atomic
def incident_resolve(
    *, actor: User, incident: Incident, resolved_at: datetime | None = None
) -> Resolution:
    require_staff(actor)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    # Resolved again: reported after its resolution (the site came back) and taken down again.
    again = reports_after_resolution(incident)
    if incident.status == IncidentStatus.MERGED or (
        incident.status == IncidentStatus.RESOLVED and again is None
    ):
        raise ValidationError(
            _("%(ref)s is already %(status)s.")
            % {"ref": incident.ref, "status": STATUS_LABELS.get(incident.status, incident.status)}
        )
    resolved_at = _resolution_time(incident, resolved_at)
    if again is not None and resolved_at <= again[0]:
        raise ValidationError(
            _("%(ref)s was last resolved at %(time)s: a new resolution must be later.")
            % {"ref": incident.ref, "time": timezone.localtime(again[0]).strftime("%Y-%m-%d %H:%M")}
        )
    resolution = Resolution.objects.create(incident=incident, resolved_at=resolved_at)
    before = {"status": incident.status}
    incident.status = IncidentStatus.RESOLVED
    incident.save(update_fields=["status", "updated_at"])
    audit_log(
        actor=actor,
        action="incident.resolve",
        obj=incident,
        before=before,
        after={"status": incident.status, "resolved_at": resolved_at.isoformat()},
    )
    return resolution


def _resolution_time(incident: Incident, resolved_at: datetime | None) -> datetime:
    """Now, or when the takedown happened if it was learned later: not in the future
    (a minute's grace for clocks), not before the incident's first report."""
    now = timezone.now()
    if resolved_at is None:
        return now
    if resolved_at > now + timedelta(minutes=1):
        raise ValidationError(_("A resolution cannot be recorded in the future."))
    # The form gives minutes: the minute of the first report itself is accepted.
    first = incident.first_report_at
    if resolved_at < first.replace(second=0, microsecond=0):
        raise ValidationError(
            _("%(ref)s was first reported after that time.") % {"ref": incident.ref}
        )
    return max(resolved_at, first)
