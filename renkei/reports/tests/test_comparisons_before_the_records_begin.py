"""A period before the first report is not known: its count and change are null, and the
narrative says there are no records for it, instead of "none" or a change against part of it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from renkei.reports.figures import quarterly_figures, quarterly_report
from renkei.reports.periods import Quarter
from renkei.reports.tests import records

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def records_begin_in_february_2023() -> None:
    brand = records.brand("楽天", "JP")
    records.incident("phishing", datetime(2023, 2, 15, 9, tzinfo=TOKYO), brand=brand)
    for day in (10, 11, 12):
        records.incident("phishing", datetime(2023, 4, day, 9, tzinfo=TOKYO), brand=brand)


def test_periods_the_records_do_not_wholly_cover_have_no_count_and_no_change() -> None:
    figures = quarterly_figures(Quarter.parse("2023-04"))

    for block in (figures["totals"]["incidents"], figures["categories"][0]):
        assert block["total"] == 3
        assert (block["previous_quarter"], block["change_vs_previous_quarter_pct"]) == (None, None)
        assert (block["same_quarter_last_year"], block["change_vs_last_year_pct"]) == (None, None)
    domestic = figures["phishing_brands"]["origins"][0]
    assert (domestic["previous_quarter"], domestic["change_vs_previous_quarter_pct"]) == (
        None,
        None,
    )


def test_a_period_after_the_first_records_month_is_compared() -> None:
    block = quarterly_figures(Quarter.parse("2023-05"))["totals"]["incidents"]

    assert (block["previous_quarter"], block["change_vs_previous_quarter_pct"]) == (4, -100)
    assert block["same_quarter_last_year"] is None


def test_the_narrative_says_there_are_no_records_rather_than_none() -> None:
    narrative = quarterly_report(Quarter.parse("2023-04"))["narrative"]
    english, japanese = " ".join(narrative["en"]), "".join(narrative["ja"])

    assert (
        "There are no records for the previous quarter or for the same quarter last year."
        in english
    )
    assert "numbered 3 (no records for the previous quarter)" in english
    assert "none in" not in english and "There were none" not in english
    assert "前四半期の記録はありません" in japanese and "前年同期の記録はありません" in japanese
    assert "(前四半期の記録なし)" in japanese
    assert "前四半期は 0 件" not in japanese and "前年同期は 0 件" not in japanese
