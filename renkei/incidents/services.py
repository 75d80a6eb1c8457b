"""Writing incidents from the console: classify, assign, merge, unmerge, split.

Each service checks permission, changes state and writes the audit record
in one transaction. After reports move, the derived fields of every
incident touched (first/last report time, report count, brand, ports and
their rows, status) are recomputed from its records, so the statistics,
which count incidents by `first_report_at` and skip merged ones, follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, Exists, Max, Min, OuterRef, When
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.accounts.access import is_staff
from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.incidents.dedup import parse_port_text
from renkei.incidents.models import (
    CATEGORY_CHOICES,
    Incident,
    IncidentMerge,
    IncidentPort,
    IncidentStatus,
)
from renkei.intake.models import CategoryOrigin, Report
from renkei.lib.errors import NormalizationError, PermissionDenied, ValidationError
from renkei.lib.normalize import incident_key, parse_port

CATEGORIES = set(dict(CATEGORY_CHOICES))
MAX_BULK = 1000


def require_staff(actor: User) -> None:
    if not is_staff(actor):
        raise PermissionDenied("only center staff may change incidents")


def snapshot(incident: Incident) -> dict[str, Any]:
    """The fields an audit record keeps before and after a change."""
    return {
        "ref": incident.ref,
        "category": incident.category,
        "key": incident.key,
        "status": incident.status,
        "first_report_at": incident.first_report_at.isoformat(),
        "last_report_at": incident.last_report_at.isoformat(),
        "report_count": incident.report_count,
        "brand_id": incident.brand_id,
        "ports": list(incident.ports),
        "merged_into": incident.merged_into.ref if incident.merged_into_id else None,  # type: ignore[union-attr]
        "assignee": incident.assignee.username if incident.assignee_id else None,  # type: ignore[union-attr]
    }


def derived_status(incident: Incident) -> str:
    """The status the coordination records imply (open -> not_notified -> notified -> resolved)."""
    if incident.merged_into_id:
        return IncidentStatus.MERGED
    if incident.resolutions.exists():
        return IncidentStatus.RESOLVED
    if incident.notifications.filter(status="sent").exists():
        return IncidentStatus.NOTIFIED
    if incident.no_notifications.exists():
        return IncidentStatus.NOT_NOTIFIED
    return IncidentStatus.OPEN


def _port_union(incident: Incident) -> list[str]:
    ports: set[tuple[int, str]] = set()
    for row in (
        Report.objects.filter(incident=incident).exclude(ports=[]).values_list("ports", flat=True)
    ):
        ports.update(parse_port(value) for value in row)
    return [f"{port}/{proto}" for port, proto in sorted(ports)]


def _brand_of(incident: Incident) -> int | None:
    """The brand an analyst decided on a report, else the first report's brand."""
    decided_first = Case(When(category_origin=CategoryOrigin.ANALYST, then=0), default=1)
    return (
        Report.objects.filter(incident=incident, brand__isnull=False)
        .order_by(decided_first, "received_at", "id")
        .values_list("brand_id", flat=True)
        .first()
    )


def incident_recompute(incident: Incident) -> Incident:
    """Derived fields from the incident's reports and coordination records (no audit)."""
    found = Report.objects.filter(incident=incident).aggregate(
        first=Min("received_at"), last=Max("received_at"), count=Count("id")
    )
    if not found["count"] and incident.merged_into_id is None:
        raise ValidationError(_("%(ref)s would be left without reports.") % {"ref": incident.ref})
    if found["count"]:
        incident.first_report_at, incident.last_report_at = found["first"], found["last"]
    incident.report_count = found["count"]
    incident.brand_id = _brand_of(incident)
    incident.ports = _port_union(incident)
    IncidentPort.objects.filter(incident=incident).delete()
    IncidentPort.objects.bulk_create(
        IncidentPort(incident=incident, port=port, protocol=protocol)
        for port, protocol in map(parse_port_text, incident.ports)
    )
    incident.status = derived_status(incident)
    incident.save()
    return incident


def _locked(ids: Iterable[int]) -> dict[int, Incident]:
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins.
    rows = Incident.objects.select_for_update(of=("self",)).filter(pk__in=list(ids))
    return {incident.pk: incident for incident in rows.select_related("merged_into", "assignee")}


def _key_for(incident: Incident, category: str) -> str | None:
    report = Report.objects.filter(incident=incident).order_by("received_at", "id").first()
    if report is None:
        return None
    try:
        return incident_key(category, url=report.url or None, ip=report.ip or None)
    except NormalizationError:
        return None


@transaction.atomic
def incident_classify(*, actor: User, incidents: list[Incident], category: str) -> int:
    """Set the category (and the key that goes with it) of live incidents."""
    require_staff(actor)
    if category not in CATEGORIES:
        raise ValidationError(_("Unknown category: %(category)s.") % {"category": category})
    changed = 0
    for incident in _locked(i.pk for i in incidents[:MAX_BULK]).values():
        if incident.status == IncidentStatus.MERGED or incident.category == category:
            continue
        before = snapshot(incident)
        incident.category, incident.key = category, _key_for(incident, category)
        incident.save(update_fields=["category", "key", "updated_at"])
        audit_log(
            actor=actor,
            action="incident.classify",
            obj=incident,
            before=before,
            after=snapshot(incident),
        )
        changed += 1
    return changed


@transaction.atomic
def incident_assign(*, actor: User, incidents: list[Incident], assignee: User | None) -> int:
    require_staff(actor)
    if assignee is not None and not is_staff(assignee):
        raise ValidationError(_("Incidents can only be assigned to center staff."))
    changed = 0
    for incident in _locked(i.pk for i in incidents[:MAX_BULK]).values():
        if incident.assignee_id == (assignee.pk if assignee else None):
            continue
        before = snapshot(incident)
        incident.assignee = assignee
        incident.save(update_fields=["assignee", "updated_at"])
        audit_log(
            actor=actor,
            action="incident.assign",
            obj=incident,
            before=before,
            after=snapshot(incident),
        )
        changed += 1
    return changed


def _move(model: Any, ids: list[int], incident: Incident) -> None:
    if ids:
        model.objects.filter(pk__in=ids).update(incident=incident)


def _moved_records(source: Incident) -> dict[str, list[int]]:
    from renkei.coordination.models import NoNotification, Notification, Resolution

    return {
        "reports": list(Report.objects.filter(incident=source).values_list("pk", flat=True)),
        "notifications": list(
            Notification.objects.filter(incident=source).values_list("pk", flat=True)
        ),
        "no_notifications": list(
            NoNotification.objects.filter(incident=source).values_list("pk", flat=True)
        ),
        "resolutions": list(
            Resolution.objects.filter(incident=source).values_list("pk", flat=True)
        ),
    }


def _repeated_on(target: Incident, moved: dict[str, list[int]]) -> dict[str, list[int]]:
    """The moving decisions and resolutions that the target already has at the same instant.

    They are one decision recorded on both (one bulk action gives all its
    incidents the same `decided_at`). The unique constraints that make
    re-imports idempotent allow one per incident, so the copy stays on the source.
    """
    from renkei.coordination.models import NoNotification, Resolution

    decided = NoNotification.objects.filter(
        incident=target, decided_at=OuterRef("decided_at"), reason=OuterRef("reason")
    )
    resolved = Resolution.objects.filter(incident=target, resolved_at=OuterRef("resolved_at"))
    repeated = {
        "no_notifications": NoNotification.objects.filter(
            Exists(decided), pk__in=moved["no_notifications"]
        ),
        "resolutions": Resolution.objects.filter(Exists(resolved), pk__in=moved["resolutions"]),
    }
    return {kind: list(rows.values_list("pk", flat=True)) for kind, rows in repeated.items()}


def _move_records(moved: dict[str, list[int]], to: Incident) -> None:
    from renkei.coordination.models import NoNotification, Notification, Resolution

    _move(Report, moved.get("reports", []), to)
    _move(Notification, moved.get("notifications", []), to)
    _move(NoNotification, moved.get("no_notifications", []), to)
    _move(Resolution, moved.get("resolutions", []), to)


@transaction.atomic
def incident_merge(*, actor: User, target: Incident, sources: list[Incident]) -> Incident:
    """Merge `sources` into `target`: their reports and coordination records move
    (but a decision the target already has, `_repeated_on`), each source gets
    status "merged" and `merged_into`; undone by `incident_unmerge`."""
    require_staff(actor)
    locked = _locked([target.pk, *(s.pk for s in sources)])
    target = locked[target.pk]
    victims = [locked[s.pk] for s in sources if s.pk != target.pk]
    if not victims:
        raise ValidationError(_("Choose at least one other incident to merge."))
    for incident in (target, *victims):
        if incident.status == IncidentStatus.MERGED:
            raise ValidationError(
                _("%(ref)s is already merged into another incident.") % {"ref": incident.ref}
            )
    before = snapshot(target)
    for source in victims:
        source_before = snapshot(source)
        moved = _moved_records(source)
        kept = _repeated_on(target, moved)
        moved = {
            kind: [pk for pk in ids if pk not in kept.get(kind, ())] for kind, ids in moved.items()
        }
        _move_records(moved, target)
        IncidentMerge.objects.create(
            target=target,
            source=source,
            at=timezone.now(),
            actor=actor,
            moved=moved,
            source_status=source.status,
        )
        source.merged_into = target
        incident_recompute(source)
        audit_log(
            actor=actor,
            action="incident.merge",
            obj=source,
            before=source_before,
            after={**snapshot(source), "moved": moved, "kept": kept},
        )
    incident_recompute(target)
    audit_log(
        actor=actor,
        action="incident.merge",
        obj=target,
        before=before,
        after={**snapshot(target), "merged": [s.ref for s in victims]},
    )
    return target


@transaction.atomic
def incident_unmerge(*, actor: User, merge: IncidentMerge) -> Incident:
    """Undo one merge: the source's own records go back and it is live again."""
    require_staff(actor)
    merge = IncidentMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    locked = _locked([merge.source_id, merge.target_id])
    source, target = locked[merge.source_id], locked[merge.target_id]
    before_source, before_target = snapshot(source), snapshot(target)
    # Only what is still on the target goes back (a later split may have moved some).
    still_there = {kind: set(ids) for kind, ids in _moved_records(target).items()}
    moved = {
        kind: [pk for pk in ids if pk in still_there[kind]] for kind, ids in merge.moved.items()
    }
    _move_records(moved, source)
    source.merged_into = None
    incident_recompute(source)
    incident_recompute(target)
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    audit_log(
        actor=actor,
        action="incident.unmerge",
        obj=source,
        before=before_source,
        after={**snapshot(source), "moved": moved},
    )
    audit_log(
        actor=actor,
        action="incident.unmerge",
        obj=target,
        before=before_target,
        after={**snapshot(target), "unmerged": source.ref},
    )
    return source


@transaction.atomic
def incident_split(*, actor: User, incident: Incident, report_ids: list[int]) -> Incident:
    """Move some reports of `incident` to a new incident of the same category.

    Coordination records stay where they are; merging the new incident back undoes it.
    """
    require_staff(actor)
    incident = _locked([incident.pk])[incident.pk]
    if incident.status == IncidentStatus.MERGED:
        raise ValidationError(
            _("%(ref)s is merged; split the incident it was merged into.") % {"ref": incident.ref}
        )
    wanted = set(report_ids)
    reports = list(
        Report.objects.filter(incident=incident, pk__in=wanted).order_by("received_at", "id")
    )
    if not reports or len(reports) != len(wanted):
        raise ValidationError(_("Choose reports of this incident to split out."))
    before = snapshot(incident)
    first = reports[0]
    new = Incident.objects.create(
        category=incident.category,
        key=first.incident_key,
        first_report_at=first.received_at,
        last_report_at=first.received_at,
        report_count=0,
    )
    _move(Report, [r.pk for r in reports], new)
    incident_recompute(incident)
    incident_recompute(new)
    audit_log(
        actor=actor,
        action="incident.split",
        obj=incident,
        before=before,
        after={**snapshot(incident), "split_to": new.ref, "reports": sorted(wanted)},
    )
    audit_log(
        actor=actor,
        action="incident.split",
        obj=new,
        before=None,
        after={**snapshot(new), "split_from": incident.ref, "reports": sorted(wanted)},
    )
    return new
