"""Reading incidents for the console: the triage queue, one incident, its timeline.

The queue is keyset-paginated over the partial indexes `incident_queue`
and `incident_queue_cat` (and `incident_status_age`, `incident_brand_age`
for other filters), so its first page costs the same on a thousand
incidents as on millions; the total is counted only up to COUNT_CAP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from django.db import connection
from django.db.models import (
    BinaryField,
    Exists,
    F,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, Least, Lower, Substr
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from renkei.accounts.models import AuditEvent
from renkei.coordination.models import (
    NoNotification,
    Notification,
    NotificationStatus,
    Resolution,
)
from renkei.coordination.sla import SlaCutoffs, business_age, local_tz, overdue_q, sla_cutoffs
from renkei.incidents.models import QUEUE_STATUSES, Incident, IncidentMerge, IncidentStatus
from renkei.intake.attachments import Attachment
from renkei.intake.models import Report
from renkei.lib.errors import NormalizationError
from renkei.lib.normalize import SITE_CATEGORIES, canonical_ip, normalize_url

PAGE_SIZE = 50
COUNT_CAP = 1000
_REF = re.compile(r"I-[0-9A-Z]{10}", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s/]+@[^@\s/]+")


@dataclass(frozen=True)
class QueueFilters:
    category: str = ""
    status: str = ""  # "": the queue (open and notified); "all"; or one status
    month: str = ""  # YYYY-MM, by first report
    brand: int | None = None
    country: str = ""  # a notification's recipient country
    has_notification: str = ""  # "", "yes", "no"
    overdue: bool = False
    reported_again: bool = False  # resolved, with a report received after its resolution
    q: str = ""
    order: str = "oldest"  # or "newest"


@dataclass
class QueueRow:
    incident: Incident
    age: int
    overdue: bool
    notified: bool


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    count: int
    count_capped: bool
    search_failed: bool = False
    cutoffs: SlaCutoffs | None = field(default=None, repr=False)


SEARCH_CAP = 5000


def _matches(text: str) -> list[QuerySet[Any]] | None:
    """One indexed query of incident ids per way the text can match; None when unreadable."""
    if _REF.fullmatch(text):
        return [Incident.objects.filter(ref=text.upper()).values_list("pk", flat=True)]
    if _EMAIL.fullmatch(text) and "://" not in text:
        # Addresses are typed as people write them (Abuse@Host.example).
        lowered = Notification.objects.alias(recipient_lower=Lower("recipient"))
        sent_to = lowered.filter(recipient_lower=text.lower())
        return [sent_to.values_list("incident_id", flat=True)]
    try:
        ip = canonical_ip(text)
    except NormalizationError:
        pass
    else:
        return [
            Incident.objects.filter(category__in=("scan", "dos"), key=ip).values_list(
                "pk", flat=True
            ),
            Report.objects.filter(ip=ip).values_list("incident_id", flat=True),
        ]
    try:
        url = normalize_url(text)
    except NormalizationError:
        return None
    by_key = Incident.objects.filter(category__in=SITE_CATEGORIES, key=url.key)
    if url.path != "/" or url.port is not None:
        return [by_key.values_list("pk", flat=True)]
    return [
        by_key.values_list("pk", flat=True),
        Incident.objects.filter(category="dos", key=url.host).values_list("pk", flat=True),
        Report.objects.filter(host=url.host).values_list("incident_id", flat=True),
    ]


def search_q(text: str) -> Q | None:
    """Incidents matching a URL, host, IP, e-mail address or ref, however written.

    The query is normalized the way reports are (refanged, lowercased,
    IDNA, canonical IP), so `hxxps://EXAMPLE[.]com/login` finds
    `example.com/login`. None when the text cannot be read as any of them.
    The ids are collected first, each from its own index (at most SEARCH_CAP):
    an OR of subqueries would make the database walk the whole queue.
    """
    queries = _matches(text.strip())
    if queries is None:
        return None
    ids: set[int] = set()
    for query in queries:
        ids.update(query[:SEARCH_CAP])
    return Q(pk__in=sorted(ids)[:SEARCH_CAP])


def month_span(month: str) -> tuple[datetime, datetime] | None:
    """The local month `YYYY-MM` as [start, end) instants; None for anything else."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    year, number = int(match[1]), int(match[2])
    try:
        start = datetime(year, number, 1, tzinfo=local_tz())
        end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=local_tz())
        # Year 0 and 10000 raise ValueError; year 1 in a zone east of UTC has no UTC (Overflow).
        start.astimezone(UTC), end.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return start, end


def reported_again_q() -> Q:
    """Resolved incidents with a report received after every resolution they have.

    A report within the dedup window joins its incident whatever the status:
    the site came back, or someone reports it still up. The incident stays
    resolved (its resolution and handling time stand, as the statistics count
    them), so without this nobody would see the new report.
    """
    resolutions = Resolution.objects.filter(incident=OuterRef("pk"))
    return (
        Q(status=IncidentStatus.RESOLVED)
        & Exists(resolutions)
        & ~Exists(resolutions.filter(resolved_at__gte=OuterRef("last_report_at")))
    )


def _status_q(filters: QueueFilters) -> Q:
    if filters.status == "all" or ((filters.q or filters.reported_again) and not filters.status):
        return Q()
    if filters.status in IncidentStatus.values:
        return Q(status=filters.status)
    return Q(status__literal_in=QUEUE_STATUSES)


def queue_queryset(filters: QueueFilters, cutoffs: SlaCutoffs) -> tuple[QuerySet[Incident], bool]:
    """(filtered incidents, whether a search text could not be read)."""
    qs = Incident.objects.filter(_status_q(filters))
    if filters.category:
        qs = qs.filter(category=filters.category)
    if (months := month_span(filters.month)) is not None:
        qs = qs.filter(first_report_at__gte=months[0], first_report_at__lt=months[1])
    if filters.brand:
        qs = qs.filter(brand_id=filters.brand)
    # Only notifications that went out: a failed or queued one leaves the incident unnotified.
    sent = Notification.objects.filter(incident=OuterRef("pk"), status=NotificationStatus.SENT)
    if filters.country:
        qs = qs.filter(Exists(sent.filter(recipient_country=filters.country.upper())))
    if filters.has_notification in ("yes", "no"):
        qs = (
            qs.filter(Exists(sent))
            if filters.has_notification == "yes"
            else qs.exclude(Exists(sent))
        )
    if filters.overdue:
        qs = qs.filter(overdue_q(cutoffs))
    if filters.reported_again:
        qs = qs.filter(reported_again_q())
    failed = False
    if filters.q:
        condition = search_q(filters.q)
        failed = condition is None
        qs = qs.filter(condition if condition is not None else Q(pk__in=[]))
    return qs, failed


_CURSOR_ID = re.compile(r"[0-9]{1,18}")
Row = TypeVar("Row", bound=Model)


def keyset_cursor(stamp: datetime, pk: int) -> str:
    """A position in a list ordered by a timestamp, then id: `stamp~id`.

    UTC with a Z: nothing in it needs escaping in a query string (a `+`
    pasted unescaped would arrive as a space).
    """
    return f"{stamp.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}~{pk}"


def keyset_position(cursor: str) -> tuple[datetime, int] | None:
    """The (timestamp, id) a cursor names; None for anything else."""
    stamp, _, pk = cursor.partition("~")
    try:
        at = parse_datetime(stamp) if stamp else None
        # Month 13 raises ValueError; year 1 at +09:00 has no UTC (OverflowError).
        at = at.astimezone(UTC) if at is not None and at.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None
    if at is None or not _CURSOR_ID.fullmatch(pk):  # isdigit() takes "²" too
        return None
    return at, int(pk)


def keyset_after(
    qs: QuerySet[Row], field: str, position: tuple[datetime, int], *, newest: bool
) -> QuerySet[Row]:
    """The rows past `position` in the order (`field`, id), descending when `newest`."""
    at, pk = position
    if newest:
        return qs.filter(**{f"{field}__lte": at}).filter(
            Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": pk})
        )
    # The plain >= bound lets the database start the index scan at the cursor.
    return qs.filter(**{f"{field}__gte": at}).filter(
        Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": pk})
    )


def _after(qs: QuerySet[Incident], cursor: str, newest: bool) -> QuerySet[Incident]:
    # The queue's cursor comes back in a link: one that was edited starts over.
    position = keyset_position(cursor)
    if position is None:
        return qs
    return keyset_after(qs, "first_report_at", position, newest=newest)


@dataclass
class ChangesPage:
    incidents: list[Incident]
    next_cursor: str  # where to go on from, now or at the next poll
    more: bool  # whether more changes wait beyond this page now


def changes_settled(now: datetime, margin: timedelta) -> datetime:
    """The latest change a feed of changes may list now without passing an uncommitted one.

    An incident's updated_at is taken inside the transaction that changes it,
    which may commit much later (waiting on a lock, storing a big batch).
    SQLite lets one writer at a time in, from before it takes its time, so
    changes commit in time order and only `margin` (clocks) is held back. On
    PostgreSQL anything newer than the oldest open transaction could still
    be followed by an older change, so the feed stops before it: a
    transaction left open holds the feed back, it does not lose a change.
    """
    bound = now - margin
    if connection.vendor != "postgresql":
        return bound
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        oldest = cursor.fetchone()[0]
    return bound if oldest is None else min(bound, oldest - margin)


def incident_changes(
    qs: QuerySet[Incident], position: tuple[datetime, int], *, size: int, settled: datetime
) -> ChangesPage:
    """Incidents changed at or after `position`, oldest change first: a feed to keep in step with.

    A change moves an incident to the end, so a client that follows the
    cursors sees every change at least once. Changes after `settled`
    (`changes_settled`) wait for a later page, so that the feed never moves
    past a change still to be committed.
    """
    rows = keyset_after(qs.filter(updated_at__lte=settled), "updated_at", position, newest=False)
    page = list(rows.order_by("updated_at", "pk")[: size + 1])
    more = len(page) > size
    page = page[:size]
    last = (page[-1].updated_at, page[-1].pk) if page else position
    return ChangesPage(incidents=page, next_cursor=keyset_cursor(*last), more=more)


def _is_overdue(incident: Incident, cutoffs: SlaCutoffs, notified_at: datetime | None) -> bool:
    if incident.status == IncidentStatus.OPEN:
        cutoff = cutoffs.first_notification.get(incident.category)
        return cutoff is not None and incident.first_report_at < cutoff
    if incident.status == IncidentStatus.NOTIFIED and notified_at is not None:
        cutoff = cutoffs.resolution.get(incident.category)
        return cutoff is not None and notified_at < cutoff
    return False


def queue_page(
    filters: QueueFilters, *, after: str = "", size: int = PAGE_SIZE, now: datetime | None = None
) -> QueuePage:
    now = now or timezone.now()
    cutoffs = sla_cutoffs(now)
    qs, failed = queue_queryset(filters, cutoffs)
    newest = filters.order == "newest"
    count = qs.values("pk")[: COUNT_CAP + 1].count()
    ordering = ("-first_report_at", "-pk") if newest else ("first_report_at", "pk")
    first_sent = Notification.objects.filter(incident=OuterRef("pk"), status="sent").order_by(
        "sent_at"
    )
    page = list(
        _after(qs, after, newest)
        .select_related("brand", "assignee")
        .annotate(first_sent_at=first_sent.values("sent_at")[:1])
        .order_by(*ordering)[: size + 1]
    )
    more = len(page) > size
    page = page[:size]
    rows = [
        QueueRow(
            incident=incident,
            age=business_age(incident.first_report_at, now),
            overdue=_is_overdue(incident, cutoffs, incident.first_sent_at),  # type: ignore[attr-defined]
            notified=incident.first_sent_at is not None,  # type: ignore[attr-defined]
        )
        for incident in page
    ]
    return QueuePage(
        rows=rows,
        next_cursor=(
            keyset_cursor(page[-1].first_report_at, page[-1].pk) if more and page else None
        ),
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        search_failed=failed,
        cutoffs=cutoffs,
    )


# --- One incident ------------------------------------------------------------

TIMELINE_LIMIT = 300


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # audit, report, notification, no_notification, resolution
    title: str
    detail: Any = None
    actor: str = ""
    obj: Any = None


RAW_EXCERPT_BYTES = 65536


def incident_reports(incident: Incident, limit: int = 200) -> list[Report]:
    """The incident's reports, each with `raw_excerpt` (its own bytes as received) and
    its attachments (their bytes left in the database).

    A bulk-import chunk holds thousands of reports, so only each report's own
    slice of it is read (at most RAW_EXCERPT_BYTES), in SQL.
    """
    cap = Value(RAW_EXCERPT_BYTES)
    length = Least(Coalesce("raw_length", cap), cap)
    excerpt = Substr("raw__content", F("raw_offset") + 1, length, output_field=BinaryField())
    return list(
        Report.objects.filter(incident=incident)
        .select_related("brand", "raw")
        .defer("raw__content")
        .annotate(raw_excerpt=excerpt)
        .prefetch_related(Prefetch("attachments", Attachment.objects.defer("data").order_by("pk")))
        .order_by("received_at", "pk")[:limit]
    )


def incident_timeline(incident: Incident) -> list[TimelineEntry]:
    """Audit events, reports and coordination records of the incident, newest first."""
    entries: list[TimelineEntry] = []
    events = AuditEvent.objects.filter(object_type="incidents.incident", object_id=str(incident.pk))
    for event in events.order_by("-at")[:TIMELINE_LIMIT]:
        entries.append(
            TimelineEntry(
                event.at,
                "audit",
                event.action,
                {"before": event.before, "after": event.after},
                event.actor_label,
            )
        )
    for report in Report.objects.filter(incident=incident).order_by("-received_at")[
        :TIMELINE_LIMIT
    ]:
        entries.append(
            TimelineEntry(
                report.received_at,
                "report",
                report.channel,
                report.url or report.ip,
                report.reporter,
                report,
            )
        )
    for note in Notification.objects.filter(incident=incident).order_by("-sent_at")[
        :TIMELINE_LIMIT
    ]:
        entries.append(
            TimelineEntry(note.sent_at, "notification", note.status, note.recipient, obj=note)
        )
    for decision in NoNotification.objects.filter(incident=incident)[:TIMELINE_LIMIT]:
        entries.append(
            TimelineEntry(decision.decided_at, "no_notification", decision.reason, obj=decision)
        )
    for resolution in Resolution.objects.filter(incident=incident)[:TIMELINE_LIMIT]:
        entries.append(
            TimelineEntry(resolution.resolved_at, "resolution", "resolved", obj=resolution)
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def incident_merges(incident: Incident) -> dict[str, list[IncidentMerge]]:
    """Merges into this incident and out of it that can still be undone."""
    live = IncidentMerge.objects.filter(undone_at__isnull=True).select_related("source", "target")
    return {"into": list(live.filter(target=incident)), "out": list(live.filter(source=incident))}


def reports_after_resolution(incident: Incident) -> tuple[datetime, int] | None:
    """(when it was last resolved, reports received since) for a resolved incident."""
    if incident.status != IncidentStatus.RESOLVED:
        return None
    last = incident.resolutions.order_by("-resolved_at").values_list("resolved_at", flat=True)
    resolved_at = last.first()
    if resolved_at is None or incident.last_report_at <= resolved_at:
        return None
    return resolved_at, incident.reports.filter(received_at__gt=resolved_at).count()
