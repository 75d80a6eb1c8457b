"""`renkei import phishurl`: the JPCERT/CC phishing URL list (JPCERTCC/phishurl-list).

One CSV file per month, UTF-8, header `date,URL,description`:

    2019/01/04 10:12:00,http://tookout00tove.xyz/TNC/...,TOKAIネットワーククラブ

`date` is when JPCERT/CC confirmed the site (JST), `description` the brand
it imitates. Each row is a phishing report from JPCERT/CC's list; the row's
bytes give its ref, so importing a file again adds nothing.

The published files carry a few defects that lose no information; they are
repaired here and the original value kept in `extra`:

- an empty date (a handful of rows): the previous row's date, as the files
  are in time order (`extra.date_inferred`);
- a mistyped scheme (`hhttps`, `htps`, `ttps`), a third slash after the
  scheme, surrounding full-width spaces, a byte order mark inside the host,
  an empty label in the host (`www.example..club`) (`extra.url_in_source`).
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import ClassVar

from renkei.intake.exchange import ReportRecord
from renkei.intake.feeds.base import FeedImporter, csv_row, feed_record, row_ref
from renkei.lib.errors import ValidationError
from renkei.lib.timestamps import in_range

JST = timezone(timedelta(hours=9), "JST")
REPORTER = "JPCERT/CC phishurl-list"

# `http`, `https` and their typos in the list: `hhttps`, `htps`, `ttps`, `https:///`.
_SCHEME_TYPO = re.compile(r"^h{0,2}t{1,2}p(s?):/{2,}", re.IGNORECASE)
# A byte order mark, as itself or as its UTF-8 bytes read as Latin-1, and zero-width spaces.
_INVISIBLE = re.compile("\ufeff|\u00ef\u00bb\u00bf|[\u200b-\u200d\u2060]")
_AUTHORITY = re.compile(r"^([a-z]+://)([^/?#]*)", re.IGNORECASE)
_DOTS = re.compile(r"\.{2,}")


def repair_url(value: str) -> str:
    """The URL as the list meant it; see the module docstring."""
    return value if _is_clean(value) else _repair(value)


def _repair(value: str) -> str:
    url = _INVISIBLE.sub("", value).strip()
    match = _SCHEME_TYPO.match(url)
    if match:
        url = ("https://" if match.group(1) else "http://") + url[match.end() :]
    match = _AUTHORITY.match(url)
    if match and ".." in match.group(2):
        url = match.group(1) + _DOTS.sub(".", match.group(2)) + url[match.end() :]
    return url


def _is_clean(url: str) -> bool:
    """Nothing to repair (nearly every row): ASCII, no padding, a well-formed scheme, no `..`."""
    if not url.isascii() or ".." in url or url.strip() != url:
        return False
    start = 8 if url.startswith("https://") else 7 if url.startswith("http://") else 0
    return start > 0 and url[start : start + 1] not in ("/", "")


@functools.lru_cache(maxsize=10_000)  # rows share their minute-resolution times
def parse_jst(value: str) -> datetime:
    """`YYYY/MM/DD HH:MM:SS` (or with `-`), Japan time."""
    text = value.strip()
    if len(text) != 19 or text[4] not in "/-" or text[13] != ":":
        raise ValidationError(f"date {value!r} is not YYYY/MM/DD HH:MM:SS")
    try:
        parsed = datetime(
            int(text[0:4]), int(text[5:7]), int(text[8:10]),
            int(text[11:13]), int(text[14:16]), int(text[17:19]), tzinfo=JST,
        )  # fmt: skip
    except ValueError:
        raise ValidationError(f"date {value!r} is not a valid date and time") from None
    in_range(parsed, "date")
    return parsed


def split_row(text: str) -> list[str]:
    if '"' not in text:
        return text.split(",")
    return csv_row(text)


class PhishurlImporter(FeedImporter):
    format_name: ClassVar[str] = "phishurl"
    content_type: ClassVar[str] = "text/csv"
    suffixes: ClassVar[tuple[str, ...]] = (".csv", ".csv.gz")

    def start_file(self, path: Path) -> None:
        self._last_date: datetime | None = None

    def parse_row(self, position: int, line: bytes) -> ReportRecord | None:
        try:
            text = line.decode("utf-8-sig" if position == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(f"not UTF-8 ({exc})") from None
        fields = split_row(text)
        if len(fields) != 3:
            raise ValidationError(f"expected 3 columns (date,URL,description), found {len(fields)}")
        date, url, brand = fields
        if position == 1 and date.strip().lower() == "date":
            return None
        extra: dict[str, object] = {"file": self.current_file, "line": position}
        received_at = self._date(date, extra)
        repaired = repair_url(url)
        if not repaired:
            raise ValidationError("missing URL")
        if repaired != url:
            extra["url_in_source"] = url
        return feed_record(
            ref=row_ref("phishurl", line), received_at=received_at, reporter=REPORTER,
            category="phishing", url=repaired, brand=brand.strip(), extra=extra,
        )  # fmt: skip

    def _date(self, value: str, extra: dict[str, object]) -> datetime:
        if value.strip():
            self._last_date = parse_jst(value)
            return self._last_date
        if self._last_date is None:
            raise ValidationError("missing date, and no earlier row in the file to take it from")
        extra["date_inferred"] = True
        return self._last_date
