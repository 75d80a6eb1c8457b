"""The figures of the quarterly incident report, as REPORT-SPEC.md defines the JSON.

`quarterly_figures` asks `selectors` for grouped counts over the 15 months
every figure needs (the quarter, the year before it) and arranges them;
the arithmetic here works on a few hundred numbers at most.

Decisions where the spec leaves room (also in docs/reports.md):
- `share_pct` of a category is its share of the quarter's incidents,
  rounded half up like every percentage; shares need not add up to 100.
- `domestic_pct` is the share of the category's notifications sent to a
  recipient in the home country; `overseas_pct` the share of the rest (an
  empty recipient country counts as overseas: it is not known to be
  domestic), each rounded on its own, so at exact halves they add up to 101.
- Reason and basis maps list only what occurred, by count then name.
- A comparison period that begins before the month of the first report
  received is not known: its count and the change are null (not 0 and not
  a change against part of the period), and the narrative says there are
  no records for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from renkei.incidents.models import CATEGORY_CHOICES
from renkei.lib.businessdays import BusinessCalendar
from renkei.reports import selectors
from renkei.reports.narrative import narrative
from renkei.reports.numbers import change_pct, share_pct, share_pct_1
from renkei.reports.periods import Month, Quarter, month_bounds

CATEGORIES: tuple[str, ...] = tuple(slug for slug, _ in CATEGORY_CHOICES)
TREND_CATEGORIES: tuple[str, ...] = ("phishing", "defacement", "malware_site", "scan")
ORIGINS: tuple[str, ...] = ("domestic", "overseas", "unknown")
TOP_BRANDS = 10
TOP_PORTS = 10

Figures = dict[str, Any]


def _recorded(months: list[Month], records_from: Month | None) -> bool:
    """Whether the records cover these months (None: no records at all, nothing to say)."""
    return records_from is None or months[0] >= records_from


def _compared(total: int, base: int, months: list[Month], records_from: Month | None) -> Any:
    """The base count and the change, or None for both before the records begin."""
    if not _recorded(months, records_from):
        return None, None
    return base, change_pct(total, base)


class Window:
    """Monthly counts over `Quarter.window` (15 months), sliced into the report's periods."""

    def __init__(
        self, quarter: Quarter, counts: Sequence[int], records_from: Month | None = None
    ) -> None:
        self.quarter = quarter
        self.counts = list(counts)
        self.records_from = records_from

    def _slice(self, months: list[Any]) -> list[int]:
        first = self.quarter.window_index(months[0])
        return self.counts[first : first + len(months)]

    @property
    def months(self) -> list[int]:
        return self._slice(self.quarter.months)

    @property
    def previous(self) -> int:
        return sum(self._slice(self.quarter.previous_months))

    @property
    def last_year(self) -> int:
        return sum(self._slice(self.quarter.last_year_months))

    @property
    def trend(self) -> list[int]:
        return self._slice(self.quarter.trend_months)

    def block(self) -> dict[str, Any]:
        total = sum(self.months)
        quarter, since = self.quarter, self.records_from
        previous, vs_previous = _compared(total, self.previous, quarter.previous_months, since)
        last_year, vs_last_year = _compared(total, self.last_year, quarter.last_year_months, since)
        return {
            "months": self.months,
            "total": total,
            "previous_quarter": previous,
            "same_quarter_last_year": last_year,
            "change_vs_previous_quarter_pct": vs_previous,
            "change_vs_last_year_pct": vs_last_year,
        }


def _period(quarter: Quarter) -> dict[str, Any]:
    return {
        "start": quarter.months[0].first_day().isoformat(),
        "end": quarter.last_day.isoformat(),
        "months": [str(m) for m in quarter.months],
        "timezone": quarter.tz.key,
    }


def _categories(incidents: dict[str, Window]) -> list[dict[str, Any]]:
    quarter_total = sum(sum(w.months) for w in incidents.values())
    rows = []
    for category in CATEGORIES:
        block = incidents[category].block()
        rows.append(
            {"category": category, **block, "share_pct": share_pct(block["total"], quarter_total)}
        )
    return rows


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _handling_pct(buckets: dict[str, int], notified: int) -> dict[str, int]:
    return {
        name: share_pct(buckets.get(name, 0), notified) for name, _ in selectors.HANDLING_BUCKETS
    }


def _coordination(
    quarter: Quarter, incidents: dict[str, Window], calendar: BusinessCalendar, as_of: datetime
) -> list[dict[str, Any]]:
    notified = selectors.notified_by_category(quarter, calendar, as_of=as_of)
    bases = selectors.first_bases_by_category(quarter)
    reasons = selectors.no_notification_reasons_by_category(quarter)
    rows = []
    for category in CATEGORIES:
        counts = notified.get(category, selectors.Notified())
        domestic = share_pct(counts.domestic, counts.notifications)
        category_reasons = reasons.get(category, {})
        rows.append(
            {
                "category": category,
                "incidents": sum(incidents[category].months),
                "notified_incidents": counts.incidents,
                "notifications": counts.notifications,
                "domestic_pct": domestic,
                # Rounded on its own, as every share: 0.5 % and 99.5 % are 1 and 100.
                "overseas_pct": share_pct(
                    counts.notifications - counts.domestic, counts.notifications
                ),
                "handling_days_pct": _handling_pct(counts.handling, counts.incidents),
                "not_notified": sum(category_reasons.values()),
                "not_notified_reasons": _by_count(category_reasons),
                "notified_bases": _by_count(bases.get(category, {})),
            }
        )
    return rows


def brand_origin(country: str | None) -> str:
    """domestic (home country), overseas (any other country) or unknown (no country)."""
    if not country:
        return "unknown"
    return "domestic" if country.upper() == settings.RENKEI_HOME_COUNTRY else "overseas"


def _phishing_brands(quarter: Quarter, since: Month | None) -> dict[str, Any]:
    # Six months: the previous quarter, then this one.
    months = [*quarter.previous_months, *quarter.months]
    per_brand = selectors.phishing_per_month_by_brand(month_bounds(months, quarter.tz))
    brands = selectors.brands_by_id(per_brand)
    origin_months = {origin: [0] * len(months) for origin in ORIGINS}
    industries: dict[str, dict[str, int]] = {"domestic": {}, "overseas": {}}
    top: dict[str, dict[str, int]] = {"domestic": {}, "overseas": {}}
    for brand_id, counts in per_brand.items():
        brand = brands.get(brand_id) if brand_id is not None else None
        origin = brand_origin(brand.country if brand else None)
        origin_months[origin] = [a + b for a, b in zip(origin_months[origin], counts, strict=True)]
        in_quarter = sum(counts[3:])
        if brand is None or origin == "unknown" or not in_quarter:
            continue
        industries[origin][brand.industry] = industries[origin].get(brand.industry, 0) + in_quarter
        top[origin][brand.name] = in_quarter
    return {
        "origins": _origins(origin_months, quarter, since),
        "industries": {o: _industry_rows(industries[o]) for o in ("domestic", "overseas")},
        "top_brands": {o: _top_brand_rows(top[o]) for o in ("domestic", "overseas")},
    }


def _origins(
    origin_months: dict[str, list[int]], quarter: Quarter, since: Month | None
) -> list[dict[str, Any]]:
    quarter_total = sum(sum(counts[3:]) for counts in origin_months.values())
    rows = []
    for origin in ORIGINS:
        counts = origin_months[origin]
        total = sum(counts[3:])
        previous, change = _compared(total, sum(counts[:3]), quarter.previous_months, since)
        rows.append(
            {
                "origin": origin,
                "months": counts[3:],
                "total": total,
                "share_pct": share_pct(total, quarter_total),
                "previous_quarter": previous,
                "change_vs_previous_quarter_pct": change,
            }
        )
    return rows


def _industry_rows(counts: dict[str, int]) -> list[dict[str, Any]]:
    whole = sum(counts.values())
    return [
        {"industry": industry, "count": n, "share_pct": share_pct_1(n, whole)}
        for industry, n in _by_count(counts).items()
    ]


def _top_brand_rows(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"brand": name, "count": n} for name, n in list(_by_count(counts).items())[:TOP_BRANDS]]


def _scan_ports(quarter: Quarter) -> dict[str, Any]:
    per_port = selectors.scan_ports_per_month(month_bounds(quarter.months, quarter.tz))
    ranked = sorted(per_port.items(), key=lambda item: (-sum(item[1]), item[0][0], item[0][1]))
    month_totals = [sum(counts[i] for counts in per_port.values()) for i in range(3)]
    return {
        "top": [
            {"port": port, "protocol": protocol, "months": counts, "total": sum(counts)}
            for (port, protocol), counts in ranked[:TOP_PORTS]
        ],
        "month_totals": month_totals,
        "total": sum(month_totals),
    }


def _trends(
    quarter: Quarter, reports: Window, coordinations: Window, incidents: dict[str, Window]
) -> dict[str, Any]:
    trends: dict[str, Any] = {
        "months": [str(m) for m in quarter.trend_months],
        "reports": reports.trend,
        "coordinations": coordinations.trend,
    }
    for category in TREND_CATEGORIES:
        trends[category] = incidents[category].trend
    return trends


def quarterly_figures(
    quarter: Quarter, *, calendar: BusinessCalendar | None = None, as_of: datetime | None = None
) -> Figures:
    """Every figure of the quarterly incident report except the narrative.

    `as_of` (default: now) matters only for a quarter not over yet: its
    unresolved incidents are counted as handled until then.
    """
    bounds = month_bounds(quarter.window, quarter.tz)
    first = selectors.first_record_instant()
    since = Month.of(first, quarter.tz) if first else None
    reports = Window(quarter, selectors.reports_per_month(bounds), since)
    coordinations = Window(quarter, selectors.coordinations_per_month(bounds), since)
    per_category = selectors.incidents_per_month_by_category(bounds)
    empty = [0] * len(quarter.window)
    incidents = {c: Window(quarter, per_category.get(c, empty), since) for c in CATEGORIES}
    total_incidents = Window(
        quarter, [sum(w.counts[i] for w in incidents.values()) for i in range(len(empty))], since
    )
    return {
        "period": _period(quarter),
        "totals": {
            "reports": reports.block(),
            "incidents": total_incidents.block(),
            "coordinations": coordinations.block(),
        },
        "categories": _categories(incidents),
        "coordination_by_category": _coordination(
            quarter, incidents, calendar or selectors.business_calendar(), as_of or timezone.now()
        ),
        "phishing_brands": _phishing_brands(quarter, since),
        "scan_ports": _scan_ports(quarter),
        "trends": _trends(quarter, reports, coordinations, incidents),
    }


def quarterly_report(quarter: Quarter, *, now: datetime | None = None) -> Figures:
    """The figures and the generated narrative: the JSON of `renkei report quarterly`.

    `provisional` (with `as_of`) tells a program reading the JSON what the HTML and PDF
    say at their top: the quarter is not over, its figures will still change.
    """
    now = now or timezone.now()
    figures = quarterly_figures(quarter, as_of=now)
    figures["narrative"] = {lang: narrative(figures, lang) for lang in ("ja", "en")}
    figures["provisional"] = now < quarter.end
    figures["as_of"] = now.astimezone(quarter.tz).isoformat(timespec="seconds")
    return figures
