"""Business days (REPORT-SPEC.md, "Common rules", "Business days").

A business day is Monday to Friday, not a public holiday of the home country
(the `holidays` package, substitute holidays included) and not in the
year-end closure (29 Dec to 3 Jan by default).

Handling-time statistics count business days for every notified incident of
a quarter, so counting is O(1): each loaded year keeps a prefix count of its
business days plus the count of all loaded years before it.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from renkei.lib.errors import ValidationError

MonthDay = tuple[int, int]
Closure = tuple[MonthDay, MonthDay]

YEAR_END_CLOSURE: Closure = ((12, 29), (1, 3))


@dataclass(frozen=True, slots=True)
class _Year:
    first_ordinal: int  # date(year, 1, 1).toordinal()
    before: int  # business days before this year, counted from the first loaded year
    prefix: list[int]  # prefix[i]: business days among the year's first i days

    @property
    def total(self) -> int:
        return self.prefix[-1]


def _check_month_day(month_day: MonthDay) -> None:
    try:
        date(2000, *month_day)  # a leap year, so 29 Feb is allowed
    except (TypeError, ValueError):
        raise ValidationError(f"not a valid closure day (month, day): {month_day!r}") from None


def home_calendar() -> BusinessCalendar:
    """The installation's calendar: its country's holidays and its closure (settings)."""
    return BusinessCalendar(settings.RENKEI_HOME_COUNTRY, settings.RENKEI_YEAR_END_CLOSURE)


class BusinessCalendar:
    """Business days of one country, with an optional yearly closure.

    `closure` is ((month, day), (month, day)), both ends included; when the
    start is after the end it wraps the year end, as the default does.
    """

    def __init__(self, country: str = "JP", closure: Closure | None = YEAR_END_CLOSURE) -> None:
        try:
            holidays.country_holidays(country)
        except NotImplementedError:
            raise ValidationError(f"no public holidays known for country {country!r}") from None
        if closure is not None:
            _check_month_day(closure[0])
            _check_month_day(closure[1])
        self.country = country
        self.closure = closure
        self._holidays: dict[int, frozenset[date]] = {}
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"BusinessCalendar(country={self.country!r}, closure={self.closure!r})"

    def holidays_of(self, year: int) -> frozenset[date]:
        """The public holidays of `year`, substitute holidays included."""
        found = self._holidays.get(year)
        if found is None:
            found = frozenset(holidays.country_holidays(self.country, years=year).keys())
            self._holidays[year] = found
        return found

    def in_closure(self, day: date) -> bool:
        if self.closure is None:
            return False
        start, end = self.closure
        month_day = (day.month, day.day)
        if start <= end:
            return start <= month_day <= end
        return month_day >= start or month_day <= end

    def _is_business_day_uncached(self, day: date) -> bool:
        return (
            day.weekday() < 5 and day not in self.holidays_of(day.year) and not self.in_closure(day)
        )

    def _prefix_counts(self, year: int) -> list[int]:
        first = date(year, 1, 1)
        prefix = [0]
        for offset in range((date(year + 1, 1, 1) - first).days):
            day = first + timedelta(offset)
            prefix.append(prefix[-1] + self._is_business_day_uncached(day))
        return prefix

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            with self._lock:
                self._load_through(year)
            found = self._years[year]
        return found

    def _load_through(self, year: int) -> None:
        # Years are loaded contiguously so that `before` is a running total.
        years = self._years
        if not years:
            years[year] = _Year(date(year, 1, 1).toordinal(), 0, self._prefix_counts(year))
        while (last := max(years)) < year:
            before = years[last].before + years[last].total
            prefix = self._prefix_counts(last + 1)
            years[last + 1] = _Year(date(last + 1, 1, 1).toordinal(), before, prefix)
        while (first := min(years)) > year:
            prefix = self._prefix_counts(first - 1)
            before = years[first].before - prefix[-1]
            years[first - 1] = _Year(date(first - 1, 1, 1).toordinal(), before, prefix)

    def _count_through(self, day: date) -> int:
        """Business days up to and including `day`, from an arbitrary origin."""
        year = self._year(day.year)
        return year.before + year.prefix[day.toordinal() - year.first_ordinal + 1]

    def is_business_day(self, day: date) -> bool:
        year = self._year(day.year)
        index = day.toordinal() - year.first_ordinal
        return year.prefix[index + 1] > year.prefix[index]

    def business_days_between(self, start: date, end: date) -> int:
        """Business days d with start < d <= end; 0 when end <= start."""
        if end <= start:
            return 0
        return self._count_through(end) - self._count_through(start)

    def _first_day_reaching(self, count: int, near: int) -> date:
        """The first day d with _count_through(d) >= count, searching from year `near`."""
        year_number = near
        while True:
            year = self._year(year_number)
            if count <= year.before:
                year_number -= 1
            elif count > year.before + year.total:
                year_number += 1
            else:
                index = bisect_left(year.prefix, count - year.before)
                return date.fromordinal(year.first_ordinal + index - 1)

    def add_business_days(self, start: date, n: int) -> date:
        """The n-th business day after `start` (before it when n < 0); `start` when n == 0.

        For n > 0 the result d satisfies business_days_between(start, d) == n.
        """
        if n == 0:
            return start
        if n > 0:
            target = self._count_through(start) + n
        else:
            target = self._count_through(start - timedelta(days=1)) + n + 1
        return self._first_day_reaching(target, start.year)


def business_days_between_instants(
    start: datetime, end: datetime, *, tz: ZoneInfo, calendar: BusinessCalendar
) -> int:
    """Business days between two aware instants, counted on local dates in `tz`."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("business days between instants need time-zone-aware datetimes")
    return calendar.business_days_between(start.astimezone(tz).date(), end.astimezone(tz).date())
