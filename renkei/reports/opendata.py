"""Monthly counts as open data, in the files and columns of JPCERT/CC's statistics.

`renkei report monthly-csv DIR` writes one file per series, `date,count`
with `YYYYMM` dates, from the month of the first report received to the
month of the last one, leaving out the month not over yet (its count would
be read as final); phishing adds the counts by brand origin. The file
names are JPCERT/CC's (shared/data/jpcert-ir-statistics/); `ics.csv` is
renkei's own addition, as JPCERT/CC publishes no such series. (Three of
the published files head their first column `data` by mistake; renkei
writes `date` everywhere.)
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.utils import timezone

from renkei.reports import selectors
from renkei.reports.figures import ORIGINS, brand_origin
from renkei.reports.periods import Month, month_bounds, month_range, report_tz
from renkei.reports.render_csv import Rows, csv_text

CATEGORY_FILES = {
    "phishing": "phishing.csv",
    "defacement": "web-defacement.csv",
    "malware_site": "malware.csv",
    "scan": "scan.csv",
    "dos": "dos.csv",
    "targeted_attack": "apt.csv",
    "ics": "ics.csv",
    "other": "other.csv",
}
ORIGIN_COLUMNS = {
    "domestic": "domestic brands",
    "overseas": "overseas brands",
    "unknown": "unknown brands",
}


def data_months(now: datetime | None = None) -> list[Month]:
    """Every month from the first report received to the last, up to the last month that
    is over; empty without reports."""
    tz = report_tz()
    first, last = selectors.first_record_instant(), selectors.last_record_instant()
    if first is None or last is None:
        return []
    start = Month.of(first, tz)
    end = min(Month.of(last, tz), Month.of(now or timezone.now(), tz).shift(-1))
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    return month_range(start, count) if count > 0 else []


def _series(months: list[Month], counts: list[int]) -> Rows:
    return [["date", "count"], *([m.yyyymm, n] for m, n in zip(months, counts, strict=True))]


def _phishing(months: list[Month], bounds: list) -> Rows:  # type: ignore[type-arg]
    per_brand = selectors.phishing_per_month_by_brand(bounds)
    brands = selectors.brands_by_id(per_brand)
    by_origin = {origin: [0] * len(months) for origin in ORIGINS}
    for brand_id, counts in per_brand.items():
        brand = brands.get(brand_id) if brand_id is not None else None
        origin = brand_origin(brand.country if brand else None)
        by_origin[origin] = [a + b for a, b in zip(by_origin[origin], counts, strict=True)]
    rows: Rows = [["date", "count", *ORIGIN_COLUMNS.values()]]
    for index, month in enumerate(months):
        split = [by_origin[origin][index] for origin in ORIGINS]
        rows.append([month.yyyymm, sum(split), *split])
    return rows


def monthly_files() -> dict[str, str]:
    """File name -> CSV text for every published series."""
    months = data_months()
    if not months:
        return {}
    bounds = month_bounds(months, report_tz())
    per_category = selectors.incidents_per_month_by_category(bounds)
    empty = [0] * len(months)
    files = {
        "incident-reports.csv": _series(months, selectors.reports_per_month(bounds)),
        "incident-cases-coordinated.csv": _series(
            months, selectors.coordinations_per_month(bounds)
        ),
        "phishing.csv": _phishing(months, bounds),
    }
    for category, name in CATEGORY_FILES.items():
        if category != "phishing":
            files[name] = _series(months, per_category.get(category, empty))
    return {name: csv_text(rows) for name, rows in files.items()}


def write_monthly_csv(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in monthly_files().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
