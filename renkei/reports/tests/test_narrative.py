"""Generated sentences: the wording always follows the sign of the change it prints."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from renkei.reports.narrative import (
    Change,
    _comparison_ja,
    _comparisons_en,
    category_paragraph,
    industries_paragraph,
    totals_paragraph,
)
from renkei.reports.numbers import change_pct

counts = st.integers(min_value=0, max_value=10**7)


def _change(current: int, base: int) -> Change:
    return Change(current, base, change_pct(current, base))


@given(counts, counts)
def test_japanese_says_increase_only_for_a_positive_change(current: int, base: int) -> None:
    change = _change(current, base)
    text = _comparison_ja(change, "前四半期")

    assert ("増加" in text) == (change.pct is not None and change.pct > 0)
    assert ("減少" in text) == (change.pct is not None and change.pct < 0)
    if change.pct is not None and change.pct != 0:
        assert f"{abs(change.pct)}%" in text


@given(counts, counts)
def test_english_says_increased_only_for_a_positive_change(current: int, base: int) -> None:
    change = _change(current, base)
    text = _comparisons_en("scans", current, [(change, "the previous quarter")])

    assert ("increased" in text) == (change.pct is not None and change.pct > 0)
    assert ("decreased" in text) == (change.pct is not None and change.pct < 0)


def test_a_zero_base_is_said_to_be_none_rather_than_a_percentage() -> None:
    change = _change(1, 0)

    assert _comparison_ja(change, "前四半期") == "前四半期は 0 件でした"
    assert "There were none in the previous quarter." in _comparisons_en(
        "incidents", 1, [(change, "the previous quarter")]
    )


def test_a_change_that_rounds_to_zero_is_about_the_same_and_equal_counts_are_unchanged() -> None:
    assert _comparison_ja(_change(320, 319), "前四半期") == "前四半期の 319 件とほぼ同数でした"
    assert _comparison_ja(_change(319, 319), "前四半期") == "前四半期の 319 件と同数でした"
    assert "unchanged from 319" in _comparisons_en("x", 319, [(_change(319, 319), "q")])


def _block(total: int, previous: int, last_year: int) -> dict:
    return {
        "months": [total, 0, 0], "total": total, "previous_quarter": previous,
        "same_quarter_last_year": last_year,
        "change_vs_previous_quarter_pct": change_pct(total, previous),
        "change_vs_last_year_pct": change_pct(total, last_year),
    }  # fmt: skip


def test_the_totals_sentence_words_each_measure_by_its_own_sign() -> None:
    figures = {"totals": {"reports": _block(26_908, 11_720, 16_714),
                          "coordinations": _block(4_604, 4_326, 7_890)}}  # fmt: skip

    ja = totals_paragraph(figures, "ja")
    en = totals_paragraph(figures, "en")

    assert "前四半期と比較して、報告件数は 130%増加し、調整件数は 6%増加しました。" in ja
    assert "前年同期と比較すると、報告件数は 61%増加し、調整件数は 42%減少しました。" in ja
    assert "reports increased by 61% and coordinations decreased by 42%" in en


def test_a_category_new_this_quarter_is_phrased_without_a_percentage() -> None:
    row = {"category": "ics", **_block(1, 0, 0)}

    ja = category_paragraph(row, "ja")
    en = category_paragraph(row, "en")

    assert "前四半期は 0 件でした" in ja and "%" not in ja
    assert "There were none in the previous quarter or in the same quarter last year." in en


def test_english_keeps_an_industry_acronym_in_capitals_inside_a_sentence() -> None:
    industries = {
        "overseas": [{"industry": "it_services", "count": 3, "share_pct": 60.0}],
        "domestic": [{"industry": "ecommerce", "count": 2, "share_pct": 40.0}],
    }

    text = industries_paragraph({"phishing_brands": {"industries": industries}}, "en")

    assert "among overseas brands, IT services (60.0%)" in text
    assert "among domestic brands, e-commerce (40.0%)" in text


def test_english_says_one_report_in_the_singular() -> None:
    figures = {"totals": {"reports": _block(1, 0, 0), "coordinations": _block(2, 0, 0)}}

    en = totals_paragraph(figures, "en")

    assert en.startswith("In this quarter, 1 report was received and 2 coordinations were made")
