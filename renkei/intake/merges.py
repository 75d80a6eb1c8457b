"""Merges an export names on its report lines (`merged_from`), made again on import.

A merged-away incident has no reports left, so `renkei export` writes it, and its
merge, on the reports it gave (exporter.MergeChains). Importing those reports where
it is missing makes it again, merged into the incident named after it, with its
category and key, and the merge record with the reports it moved. Then a later report
with its key joins the incident it was merged into (dedup follows merges, as in the
instance exported), the incident page lists the merge, and undoing it moves the
reports back (the coordination records a merge moved are not in the export: they stay).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.incidents.dedup import IncidentMatcher, IncidentState
from renkei.incidents.models import Incident, IncidentMerge, IncidentStatus
from renkei.intake.exchange import MergedFrom, ReportRecord

# A report that came by merges, its id, and the state of the incident it is in now.
Moved = tuple[ReportRecord, int, IncidentState]


@dataclass
class _Step:
    """One merged-away incident as this batch's reports name it."""

    named: MergedFrom
    into: str | IncidentState  # the next incident's ref, or the report's own incident
    live: IncidentState  # the incident its reports are in now
    report_ids: list[int] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)


def merges_restore(
    moved: list[Moved], *, matcher: IncidentMatcher, actor: User | None, actor_label: str
) -> None:
    """Make the merged-away incidents and merges these reports name, where missing."""
    steps = _steps(moved)
    incidents = _incidents_for(steps)
    restored = []
    for ref, step in steps.items():
        source = incidents[ref]
        target = _target_id(step, incidents)
        if source.merged_into_id != target:
            continue  # an incident of this instance with that ref: left as it is
        _record_merge(source, target, step)
        restored.append(ref)
        if step.named.key is not None:
            matcher.know_merged(step.named.category, step.named.key, step.live)
    if restored:
        audit_log(
            actor=actor, actor_label=actor_label, action="incident.merge.import",
            object_type="incidents.incidentmerge", after={"merged": restored},
        )  # fmt: skip


def _steps(moved: list[Moved]) -> dict[str, _Step]:
    steps: dict[str, _Step] = {}
    for record, report_id, state in moved:
        chain = record.merged_from
        nexts: list[str | IncidentState] = [s.incident for s in chain[1:]]
        for named, into in zip(chain, [*nexts, state], strict=True):
            step = steps.setdefault(named.incident, _Step(named, into, state))
            # Lines that disagree on where an incident went: the first one says.
            if step.into is into or (isinstance(into, str) and step.into == into):
                step.report_ids.append(report_id)
                step.times.append(record.received_at)
    return steps


def _incidents_for(steps: dict[str, _Step]) -> dict[str, Incident]:
    """The merged-away incidents by ref: those already here, and new ones made for the rest."""
    found = {i.ref: i for i in Incident.objects.filter(ref__in=list(steps))}
    for ref, step in steps.items():
        if ref not in found:
            found[ref] = Incident.objects.create(
                ref=ref, category=step.named.category, key=step.named.key,
                status=IncidentStatus.MERGED, first_report_at=min(step.times),
                last_report_at=max(step.times), report_count=0,
            )  # fmt: skip
    # Targets once all exist: a merged-away incident may be merged into another one.
    for ref, step in steps.items():
        incident = found[ref]
        if incident.merged_into_id is None and incident.status == IncidentStatus.MERGED:
            incident.merged_into_id = _target_id(step, found)
            incident.save(update_fields=["merged_into", "updated_at"])
    return found


def _target_id(step: _Step, incidents: dict[str, Incident]) -> int:
    if isinstance(step.into, IncidentState):
        assert step.into.id is not None  # saved before its reports
        return step.into.id
    return int(incidents[step.into].pk)


def _record_merge(source: Incident, target: int, step: _Step) -> None:
    """The merge record with the reports it moved; a batch after the first adds its own."""
    merge = IncidentMerge.objects.filter(source=source, target_id=target, undone_at=None).first()
    if merge is None:
        moved: dict[str, list[int]] = {
            "reports": [], "notifications": [], "no_notifications": [], "resolutions": [],
        }  # fmt: skip
        merge = IncidentMerge(
            source=source, target_id=target, at=step.named.merged_at, moved=moved,
            source_status=step.named.status,
        )  # fmt: skip
    merge.moved["reports"] = [*merge.moved["reports"], *step.report_ids]
    merge.save()
    # Its span is its reports', as a merge left it.
    source.first_report_at = min(source.first_report_at, *step.times)
    source.last_report_at = max(source.last_report_at, *step.times)
    source.save(update_fields=["first_report_at", "last_report_at", "updated_at"])
