"""The quarterly report as CSV: one file per table, in a directory or a zip.

Columns carry machine keys (category, origin, ...) next to labels in the
report's language, so a spreadsheet reader and a script can both use them.
Files are UTF-8 with LF line ends, like JPCERT/CC's published statistics.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from renkei.reports.labels import BASIS, CATEGORY, INDUSTRY, ORIGIN, REASON, TOTAL, Lang, label

Figures = dict[str, Any]
Rows = list[list[Any]]
BLOCK_COLUMNS = [
    "total",
    "previous_quarter",
    "same_quarter_last_year",
    "change_vs_previous_quarter_pct",
    "change_vs_last_year_pct",
]


def _block(row: dict[str, Any]) -> list[Any]:
    return [*row["months"], *(row[c] for c in BLOCK_COLUMNS)]


def table1_totals(figures: Figures, lang: Lang) -> Rows:
    months = figures["period"]["months"]
    rows: Rows = [["item", "label", *months, *BLOCK_COLUMNS]]
    for key, block in figures["totals"].items():
        rows.append([key, label(TOTAL, lang, key), *_block(block)])
    return rows


def table2_categories(figures: Figures, lang: Lang) -> Rows:
    months = figures["period"]["months"]
    rows: Rows = [["category", "label", *months, *BLOCK_COLUMNS, "share_pct"]]
    for row in figures["categories"]:
        key = row["category"]
        rows.append([key, label(CATEGORY, lang, key), *_block(row), row["share_pct"]])
    return rows


def _pairs(counts: dict[str, int], table: dict[str, dict[str, str]], lang: Lang) -> str:
    return "; ".join(f"{label(table, lang, key)}={n}" for key, n in counts.items())


def figure8_coordination(figures: Figures, lang: Lang) -> Rows:
    buckets = list(figures["coordination_by_category"][0]["handling_days_pct"])
    rows: Rows = [
        ["category", "label", "incidents", "notified_incidents", "notifications", "domestic_pct",
         "overseas_pct", *(f"handling_days_{b}_pct" for b in buckets), "not_notified",
         "not_notified_reasons", "notified_bases"],
    ]  # fmt: skip
    for row in figures["coordination_by_category"]:
        key = row["category"]
        rows.append(
            [key, label(CATEGORY, lang, key), row["incidents"], row["notified_incidents"],
             row["notifications"], row["domestic_pct"], row["overseas_pct"],
             *row["handling_days_pct"].values(), row["not_notified"],
             _pairs(row["not_notified_reasons"], REASON, lang),
             _pairs(row["notified_bases"], BASIS, lang)]
        )  # fmt: skip
    return rows


def table3_phishing_brands(figures: Figures, lang: Lang) -> Rows:
    months = figures["period"]["months"]
    rows: Rows = [
        ["origin", "label", *months, "total", "share_pct", "previous_quarter",
         "change_vs_previous_quarter_pct"],
    ]  # fmt: skip
    for row in figures["phishing_brands"]["origins"]:
        key = row["origin"]
        rows.append(
            [key, label(ORIGIN, lang, key), *row["months"], row["total"], row["share_pct"],
             row["previous_quarter"], row["change_vs_previous_quarter_pct"]]
        )  # fmt: skip
    return rows


def figure9_industries(figures: Figures, lang: Lang) -> Rows:
    rows: Rows = [["origin", "industry", "label", "count", "share_pct"]]
    for origin, industries in figures["phishing_brands"]["industries"].items():
        for row in industries:
            key = row["industry"]
            rows.append([origin, key, label(INDUSTRY, lang, key), row["count"], row["share_pct"]])
    return rows


def figure9_top_brands(figures: Figures, lang: Lang) -> Rows:
    rows: Rows = [["origin", "rank", "brand", "count"]]
    for origin, brands in figures["phishing_brands"]["top_brands"].items():
        rows += [[origin, rank, b["brand"], b["count"]] for rank, b in enumerate(brands, 1)]
    return rows


def table4_scan_ports(figures: Figures, lang: Lang) -> Rows:
    ports = figures["scan_ports"]
    rows: Rows = [["port", "protocol", *figures["period"]["months"], "total"]]
    rows += [[r["port"], r["protocol"], *r["months"], r["total"]] for r in ports["top"]]
    rows.append(["month_totals", "", *ports["month_totals"], ports["total"]])
    return rows


def trends(figures: Figures, lang: Lang) -> Rows:
    series = figures["trends"]
    keys = [key for key in series if key != "months"]
    rows: Rows = [["month", *keys]]
    for index, month in enumerate(series["months"]):
        rows.append([month, *(series[key][index] for key in keys)])
    return rows


TABLES = {
    "table1_totals.csv": table1_totals,
    "table2_categories.csv": table2_categories,
    "table3_phishing_brands.csv": table3_phishing_brands,
    "table4_scan_ports.csv": table4_scan_ports,
    "figure8_coordination.csv": figure8_coordination,
    "figure9_industries.csv": figure9_industries,
    "figure9_top_brands.csv": figure9_top_brands,
    "trends.csv": trends,
}


# A spreadsheet runs a cell that starts with one of these as a formula
# (full-width forms too, in a Japanese locale). Brand names come from feeds.
_FORMULA_START = tuple("=+-@\t\r＝＋－＠")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # shown as text; numbers (negative changes) stay numbers
    return value


def csv_text(rows: Rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def quarterly_csv_files(figures: Figures, lang: Lang) -> dict[str, str]:
    """File name -> CSV text, one per table of the report."""
    return {name: csv_text(build(figures, lang)) for name, build in TABLES.items()}


def zip_bytes(files: dict[str, str], folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(f"{folder}/{name}", text.encode("utf-8"))
    return buffer.getvalue()


def write_files(files: dict[str, str], output: Path, *, folder: str) -> list[Path]:
    """Write to a zip when `output` ends in .zip, else into the directory `output`."""
    if output.suffix.lower() == ".zip":
        output.write_bytes(zip_bytes(files, folder))
        return [output]
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = output / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
