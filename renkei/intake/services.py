"""Writing reports: every intake path (import, e-mail, web form, API, feed) ends here.

`report_ingest_batch` stores the raw reports and the reports, and joins or
opens incidents, in one transaction. A single report is a batch of one.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.incidents.dedup import IncidentMatcher, IncidentState, lock_keys
from renkei.incidents.models import Incident, IncidentPort, IncidentStatus, incident_refs_for
from renkei.intake.experts import PreparedReport, key_in_category
from renkei.intake.merges import merges_restore
from renkei.intake.models import CategoryOrigin, RawReport, RawStatus, Report
from renkei.lib import sqlbulk


@dataclass(slots=True)
class ReportRef:
    """Where an ingested report went: what later lines that name it need."""

    report_id: int
    incident_id: int
    position: int | None


@dataclass
class IngestResult:
    created: dict[tuple[str, str], ReportRef] = field(default_factory=dict)
    duplicates: list[PreparedReport] = field(default_factory=list)
    incidents_created: int = 0


def _existing_refs(prepared: list[PreparedReport]) -> set[tuple[str, str]]:
    by_source: dict[str, list[str]] = {}
    for item in prepared:
        by_source.setdefault(item.source, []).append(item.record.ref)
    found: set[tuple[str, str]] = set()
    for source, refs in by_source.items():
        found.update((source, ref) for ref in sqlbulk.existing(Report, "ref", refs, source=source))
    return found


def _split_duplicates(
    prepared: list[PreparedReport], stored_refs: Container[tuple[str, str]] | None
) -> tuple[list[PreparedReport], list[PreparedReport]]:
    if stored_refs is None:
        seen = _existing_refs(prepared)
    else:
        idents = ((item.source, item.record.ref) for item in prepared)
        seen = {ident for ident in idents if ident in stored_refs}
    fresh, duplicates = [], []
    for item in prepared:
        ident = (item.source, item.record.ref)
        if ident in seen:
            duplicates.append(item)
        else:
            seen.add(ident)
            fresh.append(item)
    return fresh, duplicates


def _explicit_states(
    prepared: list[PreparedReport], matcher: IncidentMatcher
) -> dict[str, IncidentState]:
    """Incidents named by ref in the input (an export carries them), by ref."""
    refs = {item.record.incident for item in prepared if item.record.incident}
    rows = list(Incident.objects.filter(ref__in=refs).values(*IncidentState.STATE_COLUMNS))
    states = matcher.states_of(rows)
    return {row["ref"]: states[row["id"]] for row in rows}


def _assign_incidents(fresh: list[PreparedReport], matcher: IncidentMatcher) -> list[IncidentState]:
    matcher.preload({(p.category, p.key) for p in fresh if p.key is not None})
    explicit = _explicit_states(fresh, matcher)
    states: list[IncidentState] = []
    for item in fresh:
        ref = item.record.incident
        if ref:
            state = explicit.get(ref)
            if state is None:
                category = item.record.incident_category or item.category
                state = IncidentState(
                    category=category,
                    key=item.record.incident_key or key_in_category(item, category),
                    first_report_at=item.record.received_at,
                    last_report_at=item.record.received_at,
                    explicit_ref=ref,
                )
                explicit[ref] = state
        else:
            state = matcher.match(item.category, item.key, item.record.received_at)
        state.absorb(
            item.record.received_at,
            item.brand_id,
            decided=item.category_origin == CategoryOrigin.ANALYST,
        )
        state.add_ports(item.ports)
        states.append(state)
    for state in explicit.values():
        matcher.register(state)
    return states


_INCIDENT_FIELDS = ("first_report_at", "last_report_at", "report_count", "brand", "ports")
# What a later report usually changes: no column of the queue or statistics indexes.
_GROWTH_FIELDS = ("last_report_at", "report_count", "ports", "updated_at")


def _ports_text(state: IncidentState) -> list[str]:
    return [f"{port}/{proto}" for port, proto in sorted(state.ports)]


def _incident_values(state: IncidentState) -> tuple[object, ...]:
    return (
        state.first_report_at, state.last_report_at, state.report_count, state.brand_id,
        _ports_text(state),
    )  # fmt: skip


def _free_refs(ids: list[int], explicit: set[str], *, refs_free: bool) -> list[str]:
    """Refs for new incidents with these ids that no incident has yet.

    Our own refs never meet (each carries its id), but an imported export
    keeps its instance's refs (`explicit`: those of this batch), whose id
    bits may equal ours: then only the 23 random bits differ. One indexed
    lookup per batch rules that out, unless no stored incident has such a
    ref (`refs_free`, IncidentMatcher.refs_are_free).
    """
    refs = incident_refs_for(ids)
    while taken := _taken_refs(refs, refs_free) | (explicit & set(refs)):
        refs = [
            incident_refs_for([pk])[0] if ref in taken else ref
            for pk, ref in zip(ids, refs, strict=True)
        ]
    return refs


def _taken_refs(refs: list[str], refs_free: bool) -> set[str]:
    return set() if refs_free else sqlbulk.existing(Incident, "ref", refs)


def _new_refs(ids: list[int], new: list[IncidentState], *, refs_free: bool) -> list[str]:
    """Each new incident's ref: the one its export named, else one made from its id."""
    explicit = {s.explicit_ref for s in new if s.explicit_ref}
    own_ids = [pk for pk, s in zip(ids, new, strict=True) if not s.explicit_ref]
    made = iter(_free_refs(own_ids, explicit, refs_free=refs_free))
    return [s.explicit_ref or next(made) for s in new]


def _save_incidents(states: Iterable[IncidentState], *, refs_free: bool) -> int:
    unique = list({id(s): s for s in states}.values())
    new = [s for s in unique if s.id is None]
    now = timezone.now()
    ids = sqlbulk.reserve_ids(Incident, len(new))
    rows = [
        (pk, ref, s.category, s.key, IncidentStatus.OPEN, now, now, *_incident_values(s))
        for s, pk, ref in zip(new, ids, _new_refs(ids, new, refs_free=refs_free), strict=True)
    ]  # fmt: skip
    fields = (
        "id", "ref", "category", "key", "status", "created_at", "updated_at", *_INCIDENT_FIELDS
    )  # fmt: skip
    sqlbulk.insert(Incident, fields, rows)
    for state, pk in zip(new, ids, strict=True):
        state.id = pk
    new_ids = {id(s) for s in new}
    changed = [s for s in unique if s.changed and s.id is not None and id(s) not in new_ids]
    _update_incidents(changed, now)
    _save_ports(unique)
    for state in unique:
        state.changed = False
        state.mark_stored()
    return len(new)


def _update_incidents(changed: list[IncidentState], now: datetime) -> None:
    # An UPDATE naming an indexed column rewrites that index's entry even when
    # the value stays: naming first_report_at and brand only when they moved
    # spares five indexes for the usual later report of a known incident.
    moved = [s for s in changed if s.moved_in_indexes()]
    grown = [s for s in changed if not s.moved_in_indexes()]
    sqlbulk.update(
        Incident, (*_INCIDENT_FIELDS, "updated_at"),
        [(*_incident_values(s), now, s.id) for s in moved],
    )  # fmt: skip
    sqlbulk.update(
        Incident, _GROWTH_FIELDS,
        [(s.last_report_at, s.report_count, _ports_text(s), now, s.id) for s in grown],
    )  # fmt: skip


def _save_ports(states: list[IncidentState]) -> None:
    rows = [(s.id, port, proto) for s in states for port, proto in s.new_ports]
    sqlbulk.insert(IncidentPort, ("incident", "port", "protocol"), rows)
    for state in states:
        state.new_ports.clear()


_REPORT_FIELDS = (
    "raw", "raw_offset", "raw_length", "source", "ref", "received_at", "channel", "reporter",
    "category", "category_origin", "url", "url_as_received", "host", "ip", "ports", "brand",
    "brand_as_received", "incident_key", "text", "extra", "incident",
)  # fmt: skip


def _report_row(item: PreparedReport, incident_id: int | None) -> tuple[object, ...]:
    record = item.record
    return (
        record.raw_id, record.raw_offset, record.raw_length, item.source, record.ref,
        record.received_at, record.channel, record.reporter,
        item.category, item.category_origin, item.url, record.url, item.host, item.ip,
        item.ports_text, item.brand_id, record.brand,
        item.key, record.text, record.extra, incident_id,
    )  # fmt: skip


@transaction.atomic
def report_ingest_batch(
    *, prepared: list[PreparedReport], matcher: IncidentMatcher | None = None,
    actor: User | None = None, actor_label: str = "",
    stored_refs: Container[tuple[str, str]] | None = None,
) -> IngestResult:  # fmt: skip
    """Store reports, join or open their incidents, audit; all or nothing.

    A bulk import passes its own long-lived `matcher` (it caches keys across
    batches); a single report gets a fresh one with the configured window.
    `stored_refs`, when given, holds every (source, ref) the database holds
    (an import that is its only writer knows them): the refs are not looked up.
    """
    if matcher is None:
        matcher = IncidentMatcher(window_days=settings.RENKEI_DEDUP_WINDOW_DAYS)
    fresh, duplicates = _split_duplicates(prepared, stored_refs)
    result = IngestResult(duplicates=duplicates)
    if not fresh:
        return result
    lock_keys({(item.category, item.key) for item in fresh if item.key is not None})
    states = _assign_incidents(fresh, matcher)
    result.incidents_created = _save_incidents(states, refs_free=matcher.refs_are_free())
    matcher.adopt(states)
    rows = [_report_row(item, state.id) for item, state in zip(fresh, states, strict=True)]
    report_ids = sqlbulk.insert_returning(Report, _REPORT_FIELDS, rows)
    if any(item.record.merged_from for item in fresh):  # an export of merged incidents
        merges_restore(
            [(item.record, report_id, state) for item, report_id, state
             in zip(fresh, report_ids, states, strict=True) if item.record.merged_from],
            matcher=matcher, actor=actor, actor_label=actor_label,
        )  # fmt: skip
    for item, report_id, state in zip(fresh, report_ids, states, strict=True):
        assert state.id is not None
        result.created[(item.source, item.record.ref)] = ReportRef(
            report_id, state.id, item.record.position
        )
    # Bulk intake is audited per batch: each report row is itself the
    # record of its arrival (with its raw bytes); the event says who and when.
    audit_log(
        actor=actor,
        actor_label=actor_label,
        action="report.ingest",
        object_type="intake.report",
        object_id=f"{report_ids[0]}-{report_ids[-1]}",
        after={"reports": len(report_ids), "incidents_created": result.incidents_created},
    )
    return result


def raw_report_store(
    *, channel: str, source: str, content: bytes, content_type: str, position: int | None = None,
    arrival: dict[str, Any] | None = None, status: str = RawStatus.STORED, error: str = "",
) -> RawReport:  # fmt: skip
    """Store a unit as received, in its own atomic block, before any parsing.

    Whatever happens to the parsing, the bytes are kept: committed on their own,
    or (a bulk import on SQLite, lib/grouped_commits.py) a savepoint that the
    batch's failure does not undo. A unit known to be a failure before any
    parsing (a message too large to fetch) is stored failed, with its reason.
    """
    with transaction.atomic():
        return RawReport.objects.create(
            stored_at=timezone.now(), channel=channel, source=source, content=content,
            content_type=content_type, position=position, arrival=arrival, status=status,
            error=error,
        )  # fmt: skip


def raw_report_mark(raw_id: int, *, status: str, error: str = "") -> None:
    RawReport.objects.filter(id=raw_id).update(status=status, error=error)


def raw_report_note_imap_copy(*, raw_id: int, folder: str) -> None:
    """Record with an e-mail's arrival that `renkei fetchmail` copied it to `folder`.

    A server without MOVE is sent COPY and then a flag; if the flag fails, the
    next poll reads this and only flags, rather than copying the message again.
    The message's bytes are not touched.
    """
    with transaction.atomic():
        raw = RawReport.objects.select_for_update().only("arrival").get(pk=raw_id)
        arrival = dict(raw.arrival or {})
        arrival["imap"] = {**arrival.get("imap", {}), "copied_to": folder}
        raw.arrival = arrival
        raw.save(update_fields=["arrival"])


def raw_report_record_failure(
    *, channel: str, source: str, content: bytes, reason: str, position: int | None
) -> RawReport:
    """Keep what could not be parsed, with the reason, for an analyst to see."""
    existing = RawReport.objects.filter(
        source=source, position=position, status=RawStatus.FAILED, error=reason
    ).first()
    if existing is not None and bytes(existing.content) == content:
        return existing
    return RawReport.objects.create(
        stored_at=timezone.now(),
        channel=channel,
        source=source,
        content=content,
        status=RawStatus.FAILED,
        error=reason,
        position=position,
    )
