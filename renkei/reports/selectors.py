"""Database reads for the quarterly incident report: SQL aggregates only.

Every function here returns counts grouped by a handful of keys (month,
category, brand, port); none loads report, incident or notification rows
into Python. Months are told apart by comparing indexed datetime columns
with the UTC instants of local month starts (`periods.month_bounds`), never
by converting each stored value to local time in SQL.

Which records count, where REPORT-SPEC.md leaves room (docs/reports.md):
- an incident counts when it is live: not merged into another
  (`merged_into` empty and status not "merged");
- a coordination (notification) counts when its status is "sent";
- figure 8 describes the quarter's incidents *as of the end of the quarter*:
  only notifications, no-notification decisions and resolutions recorded
  during the quarter count, so a report printed again later says the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from renkei.coordination.models import NoNotification, Notification, NotificationStatus, Resolution
from renkei.incidents.models import Brand, Incident, IncidentPort, IncidentStatus
from renkei.intake.models import Report
from renkei.lib.businessdays import BusinessCalendar, home_calendar
from renkei.reports.periods import Quarter

HANDLING_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-3", 3),
    ("4-7", 7),
    ("8-10", 10),
    ("11+", None),
)


def _merged_ids() -> QuerySet[Incident, Any]:
    return Incident.objects.filter(merged_into__isnull=False).values("pk")


def _marked_merged_ids() -> QuerySet[Incident, Any]:
    # Marked "merged" without a target: counted here, not in _merged_ids.
    return Incident.objects.filter(status=IncidentStatus.MERGED, merged_into__isnull=True).values(
        "pk"
    )


def live(incident_id: str = "pk") -> Q:
    """Not merged into another incident; `incident_id` names the incident's id field.

    Merged incidents are few; each subquery finds them through its own
    index (an OR of the two conditions would read the whole table).
    """
    return ~Q(**{f"{incident_id}__in": _merged_ids()}) & ~Q(
        **{f"{incident_id}__in": _marked_merged_ids()}
    )


def live_incidents() -> QuerySet[Incident]:
    return Incident.objects.filter(live())


def _live_per_month(bounds: Sequence[datetime], *group: str) -> dict[Any, list[int]]:
    """Live incidents per month and `group`: all of them, less the merged ones.

    Counting every incident reads only the (first_report_at, category)
    index; the few merged ones are then found by id and subtracted. A
    "not merged" condition in the count itself would make every row be
    read from the table.
    """
    counts = _by_key_per_month(Incident.objects.all(), "first_report_at", bounds, *group)
    for ids in (_merged_ids(), _marked_merged_ids()):
        merged = Incident.objects.filter(pk__in=ids)
        for key, months in _by_key_per_month(merged, "first_report_at", bounds, *group).items():
            total = counts.get(key, [0] * len(months))
            counts[key] = [a - b for a, b in zip(total, months, strict=True)]
    return counts


def sent_notifications() -> QuerySet[Notification]:
    return Notification.objects.filter(status=NotificationStatus.SENT)


def _in_range(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


# SQLite allows 500 terms in a compound SELECT; stay well below.
_MONTHS_PER_QUERY = 120


def grouped_per_month(
    queryset: QuerySet[Any], field: str, bounds: Sequence[datetime], *group: str
) -> list[tuple[Any, ...]]:
    """(month index, *group values, count) for rows with bounds[i] <= field < bounds[i + 1].

    One range-filtered COUNT per month, sent as one UNION ALL: each member
    walks only its stretch of the datetime index, which is several times
    faster than classifying every row with a CASE over all the months.
    """
    found: list[tuple[Any, ...]] = []
    months = range(len(bounds) - 1)
    for first in range(0, len(months), _MONTHS_PER_QUERY):
        members = [
            queryset.filter(_in_range(field, bounds[i], bounds[i + 1]))
            .values(*group, month=Value(i, output_field=IntegerField()))
            # COUNT(*), not COUNT(id): PostgreSQL can then answer from the index alone.
            .annotate(n=Count("*"))
            .values_list("month", *group, "n")
            for i in months[first : first + _MONTHS_PER_QUERY]
        ]
        union = members[0].union(*members[1:], all=True) if len(members) > 1 else members[0]
        found.extend(union)
    return found


def count_per_month(queryset: QuerySet[Any], field: str, bounds: Sequence[datetime]) -> list[int]:
    """Rows of `queryset` per month: counts[i] for bounds[i] <= field < bounds[i + 1]."""
    counts = [0] * (len(bounds) - 1)
    for month, n in grouped_per_month(queryset, field, bounds):
        counts[month] += n
    return counts


def _by_key_per_month(
    queryset: QuerySet[Any], field: str, bounds: Sequence[datetime], *group: str
) -> dict[Any, list[int]]:
    counts: dict[Any, list[int]] = defaultdict(lambda: [0] * (len(bounds) - 1))
    for month, *key, n in grouped_per_month(queryset, field, bounds, *group):
        counts[key[0] if len(key) == 1 else tuple(key)][month] += n
    return dict(counts)


def reports_per_month(bounds: Sequence[datetime]) -> list[int]:
    return count_per_month(Report.objects.all(), "received_at", bounds)


def coordinations_per_month(bounds: Sequence[datetime]) -> list[int]:
    return count_per_month(sent_notifications(), "sent_at", bounds)


def incidents_per_month_by_category(bounds: Sequence[datetime]) -> dict[str, list[int]]:
    """Live incidents per category, in the month of their first report."""
    return _live_per_month(bounds, "category")


# Phishing brands ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrandInfo:
    name: str
    country: str
    industry: str


def phishing_per_month_by_brand(bounds: Sequence[datetime]) -> dict[int | None, list[int]]:
    """Live phishing incidents per brand id (None: no brand) and month."""
    # Grouping by category instead of filtering on it keeps SQLite on the
    # month index even without ANALYZE statistics (an equality on the
    # category index looks cheaper to it, and reads every phishing incident).
    per_key = _live_per_month(bounds, "category", "brand_id")
    return {
        brand: counts for (category, brand), counts in per_key.items() if category == "phishing"
    }


def brands_by_id(ids: Iterable[int | None]) -> dict[int, BrandInfo]:
    wanted = [i for i in ids if i is not None]
    found: dict[int, BrandInfo] = {}
    for start in range(0, len(wanted), 500):
        rows = Brand.objects.filter(id__in=wanted[start : start + 500]).values_list(
            "id", "name", "country", "industry"
        )
        for pk, name, country, industry in rows:
            found[pk] = BrandInfo(name, country, industry)
    return found


# Scan ports --------------------------------------------------------------------------------


def scan_ports_per_month(bounds: Sequence[datetime]) -> dict[tuple[int, str], list[int]]:
    """For each (port, protocol): scan incidents per month of their first report.

    One query over the whole period, months told apart by a CASE on the
    incident's first report: scan incidents are a small share of all, so
    starting from them and looking their ports up beats one join per month.
    """
    field = "incident__first_report_at"
    month = Case(
        *(When(**{f"{field}__lt": bound}, then=Value(i)) for i, bound in enumerate(bounds[1:])),
        default=Value(-1),
        output_field=IntegerField(),
    )
    rows = (
        IncidentPort.objects.filter(
            _in_range(field, bounds[0], bounds[-1]), live("incident_id"), incident__category="scan"
        )
        .values("port", "protocol", month=month)
        .annotate(n=Count("*"))
        .values_list("port", "protocol", "month", "n")
    )
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0] * (len(bounds) - 1))
    for port, protocol, index, n in rows:
        counts[(port, protocol)][index] += n
    return dict(counts)


# Coordination by category (figure 8) -------------------------------------------------------


def _during(field: str, quarter: Quarter) -> Q:
    """Recorded during the quarter.

    Coordination of the quarter's incidents happens after their first
    report, so it cannot precede the quarter; saying so lets the database
    start from the record's own datetime index. The upper bound makes
    figure 8 "as of the end of the quarter".
    """
    return _in_range(field, quarter.start, quarter.end)


def _quarter_incident_filter(quarter: Quarter, prefix: str = "") -> Q:
    """The quarter's live incidents, seen from a model related to Incident via `prefix`."""
    incident_id = f"{prefix}id" if prefix else "pk"
    return _in_range(f"{prefix}first_report_at", quarter.start, quarter.end) & live(incident_id)


def first_bases_by_category(quarter: Quarter) -> dict[str, dict[str, int]]:
    """Per category, notified incidents by the basis of their earliest notification with one."""
    with_basis = sent_notifications().exclude(basis="").filter(_during("sent_at", quarter))
    earlier = with_basis.filter(incident_id=OuterRef("incident_id")).filter(
        Q(sent_at__lt=OuterRef("sent_at")) | Q(sent_at=OuterRef("sent_at"), pk__lt=OuterRef("pk"))
    )
    rows = (
        with_basis.filter(_quarter_incident_filter(quarter, "incident__"))
        .filter(~Exists(earlier))
        .values("basis", category=F("incident__category"))
        .annotate(n=Count("pk"))
        .values_list("category", "basis", "n")
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for category, basis, n in rows:
        found[category][basis] = n
    return dict(found)


def no_notification_reasons_by_category(quarter: Quarter) -> dict[str, dict[str, int]]:
    """Per category, incidents not notified by the end of the quarter, by their latest reason.

    An incident is "not notified" when a no-notification decision was made
    for it and no notification was sent, both during the quarter; if it was
    decided more than once, the latest decision gives the reason.
    """
    decisions = NoNotification.objects.filter(_during("decided_at", quarter))
    later = decisions.filter(incident_id=OuterRef("incident_id")).filter(
        Q(decided_at__gt=OuterRef("decided_at"))
        | Q(decided_at=OuterRef("decided_at"), pk__gt=OuterRef("pk"))
    )
    notified = sent_notifications().filter(
        _during("sent_at", quarter), incident_id=OuterRef("incident_id")
    )
    rows = (
        decisions.filter(_quarter_incident_filter(quarter, "incident__"))
        .filter(~Exists(later), ~Exists(notified))
        .values("reason", category=F("incident__category"))
        .annotate(n=Count("pk"))
        .values_list("category", "reason", "n")
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for category, reason, n in rows:
        found[category][reason] = n
    return dict(found)


def _step_case(column: str, bounds: Sequence[Any], values: Sequence[int]) -> tuple[str, list[Any]]:
    """SQL for the step function value(x) = values[j], j = number of bounds <= x.

    Built as a balanced tree of CASEs, so each row costs log2(len(values))
    comparisons of an indexed-type value instead of a linear scan; values
    are our own integers and go inline, bounds go as parameters.
    """

    def build(lo: int, hi: int) -> tuple[str, list[Any]]:
        if lo == hi:
            return str(int(values[lo])), []
        mid = (lo + hi + 1) // 2
        left_sql, left_params = build(lo, mid - 1)
        right_sql, right_params = build(mid, hi)
        sql = f"CASE WHEN {column} < %s THEN {left_sql} ELSE {right_sql} END"
        return sql, [bounds[mid - 1], *left_params, *right_params]

    if len(values) != len(bounds) + 1:
        raise ValueError("a step function needs one value more than bounds")
    return build(0, len(values) - 1)


def _business_day_ordinals(
    quarter: Quarter, calendar: BusinessCalendar
) -> tuple[list[datetime], list[int]]:
    """Day starts of the quarter and, for each local day, a running count of business days.

    values[0] stands for any instant before the quarter (the day before
    its first day); the difference of two ordinals is the number of
    business days between the two local dates.
    """
    first_day = quarter.months[0].first_day()
    days = [first_day + timedelta(n) for n in range((quarter.last_day - first_day).days + 1)]
    origin = first_day - timedelta(days=2)
    values = [calendar.business_days_between(origin, d) for d in [days[0] - timedelta(1), *days]]
    bounds = [datetime.combine(d, datetime.min.time(), tzinfo=quarter.tz) for d in days]
    return bounds, values


def _table(model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _col(model: type[Any], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


@dataclass(slots=True)
class Notified:
    """The notified incidents of one category: how many, their notifications, handling days."""

    incidents: int = 0
    notifications: int = 0
    domestic: int = 0  # notifications to a recipient in the home country
    handling: dict[str, int] = field(default_factory=dict)  # incidents per HANDLING_BUCKETS


def _open_until_ordinal(quarter: Quarter, ordinals: Sequence[int], as_of: datetime) -> int:
    """The ordinal an unresolved incident's handling days run to.

    The quarter's last day once it is over; while it lasts, today: days
    that have not happened yet are no handling time (an incident notified
    yesterday is not "11+ days" because the quarter ends next month).
    """
    first_day = quarter.months[0].first_day()
    until = min(quarter.last_day, as_of.astimezone(quarter.tz).date())
    # ordinals[0] is the day before the quarter, ordinals[k] its k-th day.
    return ordinals[max((until - first_day).days + 1, 0)]


def notified_by_category(
    quarter: Quarter, calendar: BusinessCalendar, *, as_of: datetime
) -> dict[str, Notified]:
    """Per category, the quarter's incidents notified during the quarter.

    In one pass over the quarter's notifications: per incident, how many
    were sent, how many to the home country, and the first one; then the
    business days from that first notification to the first resolution at
    or after it and before the quarter's end (0 when it was resolved only
    before it), or, without one, to the quarter's last day (to `as_of` in a
    quarter not over yet), bucketed as
    HANDLING_BUCKETS. Local dates come from a step function of the stored
    instant (`_step_case`), so the database compares instants and never
    converts time zones row by row.
    """
    adapt = connection.ops.adapt_datetimefield_value
    bounds, ordinals = _business_day_ordinals(quarter, calendar)
    open_until = _open_until_ordinal(quarter, ordinals, as_of)
    day_bounds = [adapt(b) for b in bounds]
    first_ord_sql, first_ord_params = _step_case("f", day_bounds, ordinals)
    res_ord_sql, res_ord_params = _step_case("r", day_bounds, ordinals)
    # Resolved only before its first notification (the site was down already): 0 days.
    diff = (
        f"CASE WHEN r IS NOT NULL THEN ({res_ord_sql}) - ({first_ord_sql}) "
        f"WHEN early = 1 THEN 0 ELSE {open_until} - ({first_ord_sql}) END"
    )
    bucket_sql = " ".join(
        f"WHEN d <= {limit} THEN {i}"
        for i, (_, limit) in enumerate(HANDLING_BUCKETS)
        if limit is not None
    )
    inc, notif, res = Incident, Notification, Resolution
    i_id, n_incident, r_incident = _col(inc, "id"), _col(notif, "incident"), _col(res, "incident")
    category, merged_into = _col(inc, "category"), _col(inc, "merged_into")
    sent_at, resolved_at = _col(notif, "sent_at"), _col(res, "resolved_at")
    first_at, country = _col(inc, "first_report_at"), _col(notif, "recipient_country")
    sql = f"""
        WITH firsts AS MATERIALIZED (
            SELECT n.{n_incident} AS id, i.{category} AS category, MIN(n.{sent_at}) AS f,
                COUNT(*) AS sent, SUM(CASE WHEN n.{country} = %s THEN 1 ELSE 0 END) AS domestic
            FROM {_table(notif)} n JOIN {_table(inc)} i ON i.{i_id} = n.{n_incident}
            WHERE n.{sent_at} >= %s AND n.{sent_at} < %s AND n.{_col(notif, "status")} = %s
              AND i.{first_at} >= %s AND i.{first_at} < %s
              AND i.{i_id} NOT IN (
                  SELECT m.{i_id} FROM {_table(inc)} m WHERE m.{merged_into} IS NOT NULL)
              AND i.{i_id} NOT IN (
                  SELECT m.{i_id} FROM {_table(inc)} m WHERE m.{_col(inc, "status")} = %s)
            GROUP BY n.{n_incident}, i.{category}
        ), spans AS MATERIALIZED (
            SELECT firsts.category AS category, firsts.f AS f, firsts.sent AS sent,
                firsts.domestic AS domestic,
                MIN(CASE WHEN r.{resolved_at} >= firsts.f THEN r.{resolved_at} END) AS r,
                MAX(CASE WHEN r.{resolved_at} < firsts.f THEN 1 ELSE 0 END) AS early
            FROM firsts LEFT JOIN {_table(res)} r
              ON r.{r_incident} = firsts.id AND r.{resolved_at} < %s
            GROUP BY firsts.id, firsts.category, firsts.f, firsts.sent, firsts.domestic
        ), days AS MATERIALIZED (
            SELECT category, sent, domestic, {diff} AS d FROM spans
        )
        SELECT category, CASE {bucket_sql} ELSE {len(HANDLING_BUCKETS) - 1} END AS bucket,
               COUNT(*), SUM(sent), SUM(domestic)
        FROM days GROUP BY 1, 2
    """
    start, end = adapt(quarter.start), adapt(quarter.end)
    params = [
        settings.RENKEI_HOME_COUNTRY, start, end, NotificationStatus.SENT.value, start, end,
        IncidentStatus.MERGED.value, end, *res_ord_params, *first_ord_params,
        *first_ord_params,
    ]  # fmt: skip
    found: dict[str, Notified] = defaultdict(Notified)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for category_key, bucket, incidents, sent, domestic in cursor.fetchall():
            notified = found[category_key]
            notified.incidents += incidents
            notified.notifications += int(sent)
            notified.domestic += int(domestic)
            notified.handling[HANDLING_BUCKETS[bucket][0]] = incidents
    return dict(found)


def first_record_instant() -> datetime | None:
    """When the earliest report was received: where open-data series begin."""
    return Report.objects.order_by("received_at").values_list("received_at", flat=True).first()


def last_record_instant() -> datetime | None:
    return Report.objects.order_by("-received_at").values_list("received_at", flat=True).first()


def business_calendar() -> BusinessCalendar:
    return home_calendar()
