"""Business days (REPORT-SPEC.md, "Common rules")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from renkei.lib.businessdays import BusinessCalendar, business_days_between_instants
from renkei.lib.errors import ValidationError

JP = BusinessCalendar()
TOKYO = ZoneInfo("Asia/Tokyo")


def test_weekdays_are_business_days() -> None:
    assert JP.is_business_day(date(2023, 4, 3))  # Monday
    assert JP.is_business_day(date(2023, 4, 7))  # Friday


def test_weekends_are_not_business_days() -> None:
    assert not JP.is_business_day(date(2023, 4, 8))
    assert not JP.is_business_day(date(2023, 4, 9))


def test_golden_week_holidays_are_not_business_days() -> None:
    for day in (3, 4, 5):
        assert not JP.is_business_day(date(2023, 5, day))


def test_a_substitute_holiday_is_not_a_business_day() -> None:
    # Foundation Day 2024-02-11 was a Sunday; Monday the 12th was off instead.
    assert not JP.is_business_day(date(2024, 2, 12))


def test_a_citizens_holiday_between_two_holidays_is_not_a_business_day() -> None:
    assert not JP.is_business_day(date(2019, 4, 30))


@pytest.mark.parametrize("day", [date(2023, 12, 29), date(2024, 1, 3), date(2025, 12, 31)])
def test_the_year_end_closure_is_not_business_days(day: date) -> None:
    assert day.weekday() < 5
    assert not JP.is_business_day(day)


def test_the_days_around_the_closure_are_business_days() -> None:
    assert JP.is_business_day(date(2023, 12, 28))
    assert JP.is_business_day(date(2024, 1, 4))


def test_a_calendar_without_closure_works_on_29_december() -> None:
    assert BusinessCalendar(closure=None).is_business_day(date(2023, 12, 29))


def test_a_closure_need_not_wrap_the_year_end() -> None:
    obon = BusinessCalendar(closure=((8, 13), (8, 16)))
    assert not obon.is_business_day(date(2023, 8, 14))
    assert obon.is_business_day(date(2023, 8, 17))
    assert obon.is_business_day(date(2023, 12, 29))


def test_the_same_day_counts_zero() -> None:
    assert JP.business_days_between(date(2023, 4, 3), date(2023, 4, 3)) == 0


def test_an_end_before_the_start_counts_zero() -> None:
    assert JP.business_days_between(date(2023, 4, 7), date(2023, 4, 3)) == 0


def test_it_counts_days_after_the_start_up_to_and_including_the_end() -> None:
    # Friday to Monday: only the Monday counts.
    assert JP.business_days_between(date(2023, 4, 7), date(2023, 4, 10)) == 1


def test_it_skips_golden_week() -> None:
    # Tue 2 May -> Mon 8 May 2023: 3, 4, 5 are holidays, 6, 7 a weekend.
    assert JP.business_days_between(date(2023, 5, 2), date(2023, 5, 8)) == 1


def test_it_counts_across_the_year_end_closure() -> None:
    # 28 Dec 2023 (Thu) -> 4 Jan 2024 (Thu): only the 4th.
    assert JP.business_days_between(date(2023, 12, 28), date(2024, 1, 4)) == 1


def test_it_counts_across_several_years() -> None:
    assert JP.business_days_between(date(2019, 1, 1), date(2024, 12, 31)) == sum(
        JP.business_days_between(date(y - 1, 12, 31), date(y, 12, 31)) for y in range(2019, 2025)
    )


def test_it_counts_a_year_loaded_before_the_others() -> None:
    calendar = BusinessCalendar()
    calendar.is_business_day(date(2024, 6, 1))
    assert calendar.business_days_between(date(2019, 4, 26), date(2019, 5, 7)) == 1


def test_add_business_days_skips_holidays_and_the_closure() -> None:
    assert JP.add_business_days(date(2023, 12, 27), 2) == date(2024, 1, 4)


def test_add_business_days_from_a_weekend() -> None:
    assert JP.add_business_days(date(2023, 4, 8), 1) == date(2023, 4, 10)


def test_add_zero_business_days_is_the_start() -> None:
    assert JP.add_business_days(date(2023, 4, 8), 0) == date(2023, 4, 8)


def test_add_negative_business_days_goes_back() -> None:
    assert JP.add_business_days(date(2023, 4, 10), -1) == date(2023, 4, 7)
    assert JP.add_business_days(date(2024, 1, 4), -1) == date(2023, 12, 28)


def test_instants_are_counted_on_local_dates() -> None:
    # 2023-04-30T16:30Z is already Monday 1 May in Tokyo.
    start = datetime(2023, 4, 28, 12, 0, tzinfo=UTC)
    end = datetime(2023, 4, 30, 16, 30, tzinfo=UTC)
    assert business_days_between_instants(start, end, tz=TOKYO, calendar=JP) == 1
    assert business_days_between_instants(start, end, tz=ZoneInfo("UTC"), calendar=JP) == 0


def test_instants_on_the_same_local_day_count_zero() -> None:
    start = datetime(2023, 4, 3, 0, 5, tzinfo=TOKYO)
    end = datetime(2023, 4, 3, 23, 55, tzinfo=TOKYO)
    assert business_days_between_instants(start, end, tz=TOKYO, calendar=JP) == 0


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        business_days_between_instants(
            datetime(2023, 4, 3), datetime(2023, 4, 4), tz=TOKYO, calendar=JP
        )


def test_an_unknown_country_is_refused() -> None:
    with pytest.raises(ValidationError, match="'XX'"):
        BusinessCalendar(country="XX")


def test_an_impossible_closure_day_is_refused() -> None:
    with pytest.raises(ValidationError, match="closure"):
        BusinessCalendar(closure=((12, 29), (2, 30)))


# --- properties ----------------------------------------------------------------------

days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


JP_HOLIDAYS = holidays.country_holidays("JP", years=range(2015, 2036))


def naive_is_business_day(day: date) -> bool:
    in_closure = (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3)
    return day.weekday() < 5 and day not in JP_HOLIDAYS and not in_closure


def naive_count(start: date, end: date) -> int:
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += naive_is_business_day(day)
        day += timedelta(days=1)
    return count


@given(days, days)
def test_the_fast_count_equals_a_day_by_day_count(start: date, end: date) -> None:
    assert BusinessCalendar().business_days_between(start, end) == naive_count(start, end)


@given(days)
def test_is_business_day_agrees_with_the_plain_rule(day: date) -> None:
    assert JP.is_business_day(day) == naive_is_business_day(day)


@given(days, st.integers(-400, 400))
def test_adding_business_days_is_undone_by_counting_them(start: date, n: int) -> None:
    result = JP.add_business_days(start, n)
    if n > 0:
        assert JP.business_days_between(start, result) == n
        assert JP.is_business_day(result)
    elif n < 0:
        assert JP.business_days_between(result, start) == -n - 1 + JP.is_business_day(start)
        assert JP.is_business_day(result)
    else:
        assert result == start
