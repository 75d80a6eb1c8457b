"""Months are local months (Asia/Tokyo): counts compare stored instants with local month starts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from renkei.reports.figures import quarterly_figures
from renkei.reports.periods import Month, Quarter
from renkei.reports.tests import records

pytestmark = pytest.mark.django_db


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_report_at_16_30_utc_on_30_april_is_a_may_report() -> None:
    records.incident("scan", utc(2023, 4, 30, 16, 30), ports=("22/tcp",))

    figures = quarterly_figures(Quarter.parse("2023-04"))

    assert figures["totals"]["reports"]["months"] == [0, 1, 0]
    assert figures["totals"]["incidents"]["months"] == [0, 1, 0]
    assert figures["scan_ports"]["top"][0]["months"] == [0, 1, 0]


def test_a_report_at_14_59_utc_on_31_march_belongs_to_the_previous_quarter() -> None:
    records.recorded_since(utc(2020, 1, 1))
    records.incident("phishing", utc(2023, 3, 31, 14, 59, 59))
    records.incident("phishing", utc(2023, 3, 31, 15, 0))

    figures = quarterly_figures(Quarter.parse("2023-04"))

    phishing = figures["categories"][0]
    assert phishing["months"] == [1, 0, 0]
    assert phishing["previous_quarter"] == 1


def test_a_quarter_may_start_in_any_month_and_crosses_the_year() -> None:
    quarter = Quarter.parse("2023-11")

    assert [str(m) for m in quarter.months] == ["2023-11", "2023-12", "2024-01"]
    assert [str(m) for m in quarter.previous_months] == ["2023-08", "2023-09", "2023-10"]
    assert [str(m) for m in quarter.last_year_months] == ["2022-11", "2022-12", "2023-01"]
    assert str(quarter.trend_months[0]) == "2023-02" and len(quarter.trend_months) == 12
    assert quarter.end == datetime(2024, 1, 31, 15, 0, tzinfo=UTC)


def test_same_quarter_last_year_and_the_trend_use_the_same_local_months() -> None:
    records.recorded_since(utc(2020, 1, 1))
    records.incident("defacement", utc(2022, 4, 30, 15, 0))  # 2022-05-01 00:00 JST
    records.incident("defacement", utc(2022, 7, 31, 14, 59))  # 2022-07-31 23:59 JST

    figures = quarterly_figures(Quarter.parse("2023-04"))

    assert figures["categories"][1]["same_quarter_last_year"] == 1
    assert figures["trends"]["months"][0] == "2022-07"
    assert figures["trends"]["defacement"][0] == 1


@pytest.mark.parametrize("text", ["2023-13", "2023-4", "23-04", "2023-00", ""])
def test_a_month_must_be_given_as_yyyy_mm(text: str) -> None:
    from renkei.lib.errors import ValidationError

    with pytest.raises(ValidationError):
        Month.parse(text)
