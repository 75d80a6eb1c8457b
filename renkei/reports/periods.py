"""Months and quarters in the installation's time zone (REPORT-SPEC.md, "Common rules").

A month is a calendar month in local time. Counting never converts stored
instants row by row: the UTC instants of the local month starts are
computed here, once, and the database compares its indexed datetime
columns against them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings

from renkei.lib.errors import ValidationError

# A report reaches a year before its quarter, and its business-day tables a
# year past its end: these bounds keep every date it computes inside what
# Python's dates hold (years 1 to 9999).
FIRST_YEAR, LAST_YEAR = 1900, 9997
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH_RE.match(text.strip())
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError(f"not a month (YYYY-MM): {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, instant: datetime, tz: ZoneInfo) -> Month:
        local = instant.astimezone(tz)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def last_day(self) -> date:
        return self.shift(1).first_day() - timedelta(days=1)

    def start(self, tz: ZoneInfo) -> datetime:
        """The instant the month begins in `tz` (aware, in that zone)."""
        return datetime(self.year, self.month, 1, tzinfo=tz)

    @property
    def yyyymm(self) -> str:
        return f"{self.year:04d}{self.month:02d}"


def month_range(first: Month, count: int) -> list[Month]:
    return [first.shift(i) for i in range(count)]


def month_bounds(months: list[Month], tz: ZoneInfo) -> list[datetime]:
    """Start instants of consecutive `months`, plus the end of the last: len(months) + 1."""
    return [m.start(tz) for m in months] + [months[-1].shift(1).start(tz)]


def report_tz() -> ZoneInfo:
    return ZoneInfo(settings.RENKEI_TIME_ZONE)


@dataclass(frozen=True)
class Quarter:
    """Three months from any first month: `2023-04` is 2023-04..2023-06."""

    first: Month
    tz: ZoneInfo

    @classmethod
    def parse(cls, text: str, tz: ZoneInfo | None = None) -> Quarter:
        first = Month.parse(text)
        if not FIRST_YEAR <= first.year <= LAST_YEAR:
            raise ValidationError(
                f"no report for a quarter starting {first}: from {FIRST_YEAR}-01 to {LAST_YEAR}-12"
            )
        return cls(first, tz or report_tz())

    def __str__(self) -> str:
        return str(self.first)

    @cached_property
    def months(self) -> list[Month]:
        return month_range(self.first, 3)

    @cached_property
    def previous_months(self) -> list[Month]:
        return month_range(self.first.shift(-3), 3)

    @cached_property
    def last_year_months(self) -> list[Month]:
        return month_range(self.first.shift(-12), 3)

    @cached_property
    def trend_months(self) -> list[Month]:
        """The 12 months ending with the quarter's last month."""
        return month_range(self.first.shift(-9), 12)

    @cached_property
    def window(self) -> list[Month]:
        """Every month any figure needs: a year before the quarter through its end (15)."""
        return month_range(self.first.shift(-12), 15)

    @property
    def start(self) -> datetime:
        return self.first.start(self.tz)

    @property
    def end(self) -> datetime:
        """The first instant after the quarter (exclusive)."""
        return self.first.shift(3).start(self.tz)

    @property
    def last_day(self) -> date:
        return self.months[-1].last_day()

    def window_index(self, month: Month) -> int:
        return self.window.index(month)
