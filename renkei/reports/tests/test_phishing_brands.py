"""Phishing brands: origin by the brand's country, industry shares, top brands."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from renkei.reports.figures import quarterly_figures
from renkei.reports.periods import Quarter
from renkei.reports.tests import records

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
Q = Quarter.parse("2023-04")
APRIL = datetime(2023, 4, 10, 9, tzinfo=TOKYO)


def phishing(brand: object, times: int = 1, at: datetime = APRIL) -> None:
    for _ in range(times):
        records.incident("phishing", at, brand=brand)  # type: ignore[arg-type]


def test_origin_comes_from_the_brand_country_and_no_country_is_unknown() -> None:
    phishing(records.brand("楽天", "JP"), 2)
    phishing(records.brand("Amazon", "US", "ecommerce"), 1)
    phishing(records.brand("Unclassified", "", "other"), 1)
    phishing(None, 1)

    origins = quarterly_figures(Q)["phishing_brands"]["origins"]

    assert [(o["origin"], o["total"], o["share_pct"]) for o in origins] == [
        ("domestic", 2, 40), ("overseas", 1, 20), ("unknown", 2, 40),
    ]  # fmt: skip


def test_origin_changes_compare_with_the_previous_quarter() -> None:
    records.recorded_since(datetime(2020, 1, 1, tzinfo=TOKYO))
    jp = records.brand("えきねっと", "JP", "transport")
    phishing(jp, 3, at=datetime(2023, 2, 1, 9, tzinfo=TOKYO))
    phishing(jp, 4)

    domestic = quarterly_figures(Q)["phishing_brands"]["origins"][0]

    assert domestic["previous_quarter"] == 3
    assert domestic["change_vs_previous_quarter_pct"] == 33


def test_industry_shares_have_one_decimal_and_sort_by_count_then_name() -> None:
    phishing(records.brand("Bank A", "JP", "finance"), 5)
    phishing(records.brand("Shop A", "JP", "ecommerce"), 1)
    phishing(records.brand("Rail A", "JP", "transport"), 1)

    domestic = quarterly_figures(Q)["phishing_brands"]["industries"]["domestic"]

    assert domestic == [
        {"industry": "finance", "count": 5, "share_pct": 71.4},
        {"industry": "ecommerce", "count": 1, "share_pct": 14.3},
        {"industry": "transport", "count": 1, "share_pct": 14.3},
    ]


def test_top_brands_are_ten_at_most_by_count_then_name() -> None:
    for index in range(12):
        phishing(records.brand(f"Brand {index:02d}", "US", "ecommerce"), 1 + (index == 5))

    top = quarterly_figures(Q)["phishing_brands"]["top_brands"]["overseas"]

    assert len(top) == 10
    assert top[0] == {"brand": "Brand 05", "count": 2}
    assert [row["brand"] for row in top[1:3]] == ["Brand 00", "Brand 01"]
    assert quarterly_figures(Q)["phishing_brands"]["top_brands"]["domestic"] == []
