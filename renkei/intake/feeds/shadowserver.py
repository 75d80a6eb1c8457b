"""`renkei import shadowserver`: a Shadowserver scan report (CSV with a header).

Shadowserver's scan reports (`scan_ssh`, `scan_rdp`, ...) list one address
per row: `"timestamp","ip","port","hostname","tag","asn","geo",...,"protocol",...`.
Columns are found by name from the header, so reports with different column
sets import alike (a header further down, as in reports joined with `cat`, applies
to the rows after it); `timestamp` (UTC) and `ip` are required, `port` and
`protocol` give the report's `PORT/PROTO`. Each row becomes a `scan` report
about that address (the category the issue asks for; the report type is kept
in `extra.shadowserver.tag`, so an analyst can tell an exposed service from a
scanning host).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from renkei.intake.exchange import ReportRecord
from renkei.intake.feeds.base import FeedImporter, csv_row, feed_record, parse_utc, row_ref
from renkei.lib.errors import ValidationError

REPORTER = "Shadowserver"
REQUIRED = ("timestamp", "ip")
# Kept in extra when present; the rest of the row stays in the raw report.
KEPT = (
    "hostname", "tag", "asn", "geo", "region", "city", "naics", "sic", "sector", "severity",
    "device_vendor", "device_type", "device_model", "product", "version",
)  # fmt: skip


def _names_the_required_columns(values: list[str]) -> bool:
    """A header, also after the first: reports joined into one file (`cat`) each
    bring their own columns, and the rows after a header are read by it."""
    return set(REQUIRED) <= {value.strip().lower() for value in values}


class ShadowserverImporter(FeedImporter):
    format_name: ClassVar[str] = "shadowserver"
    content_type: ClassVar[str] = "text/csv"
    suffixes: ClassVar[tuple[str, ...]] = (".csv", ".csv.gz")

    def start_file(self, path: Path) -> None:
        self.columns: list[str] | None = None

    def parse_row(self, position: int, line: bytes) -> ReportRecord | None:
        try:
            text = line.decode("utf-8-sig" if position == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(f"not UTF-8 ({exc})") from None
        values = csv_row(text)
        if _names_the_required_columns(values) or position == 1:
            self._header(values)
            return None
        if self.columns is None:
            raise ValidationError(
                "no header before this row (a Shadowserver report starts with one naming "
                f"{' and '.join(REQUIRED)}): its columns are unknown"
            )
        if len(values) != len(self.columns):
            raise ValidationError(
                f"expected {len(self.columns)} columns as in the header, found {len(values)}"
            )
        row = dict(zip(self.columns, values, strict=True))
        port, proto = row.get("port", "").strip(), (row.get("protocol") or "tcp").strip().lower()
        return feed_record(
            ref=row_ref("shadowserver", line), received_at=parse_utc(row["timestamp"], "timestamp"),
            reporter=REPORTER, category="scan", ip=row["ip"].strip(),
            ports=[f"{port}/{proto}"] if port else [],
            extra={"shadowserver": {k: row[k] for k in KEPT if row.get(k)}},
        )  # fmt: skip

    def _header(self, values: list[str]) -> None:
        columns = [value.strip().lower() for value in values]
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            raise ValidationError(
                f"the first line must be the header; it lacks {', '.join(missing)}"
            )
        self.columns = columns
