"""Percentages: half up, away from zero, null against a zero base (REPORT-SPEC.md)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renkei.reports.numbers import change_pct, round_ratio, share_pct, share_pct_1


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(1, 2, 1), (-1, 2, -1), (3, 2, 2), (-3, 2, -2), (5, 2, 3), (1, 3, 0), (2, 3, 1), (-2, 3, -1)],
)
def test_halves_round_up_and_away_from_zero(
    numerator: int, denominator: int, expected: int
) -> None:
    assert round_ratio(numerator, denominator) == expected


def test_a_change_of_exactly_half_a_percent_rounds_away_from_zero() -> None:
    assert change_pct(201, 200) == 1  # +0.5%
    assert change_pct(199, 200) == -1  # -0.5%
    assert change_pct(2001, 2000) == 0  # +0.05%


def test_a_change_against_a_zero_base_is_null() -> None:
    assert change_pct(5, 0) is None
    assert change_pct(0, 0) is None


def test_the_seed_changes_round_as_published() -> None:
    assert change_pct(26_908, 11_720) == 130
    assert change_pct(3_700, 3_170) == 17
    assert change_pct(1_568, 1_730) == -9
    assert change_pct(320, 319) == 0


def test_industry_shares_have_one_decimal_rounded_half_up() -> None:
    assert share_pct_1(2_108, 3_700) == 57.0
    assert share_pct_1(1, 8) == 12.5  # exact: stays
    assert share_pct_1(1, 16) == 6.3  # 6.25 rounds up, where float rounding would give 6.2
    assert share_pct_1(0, 0) == 0.0


def test_shares_of_nothing_are_zero() -> None:
    assert share_pct(0, 0) == 0
    assert share_pct(6_186, 7_925) == 78


@given(st.integers(-(10**9), 10**9), st.integers(1, 10**9))
def test_rounding_matches_exact_arithmetic(numerator: int, denominator: int) -> None:
    exact = Fraction(numerator, denominator)
    magnitude = int(abs(exact) + Fraction(1, 2))
    assert round_ratio(numerator, denominator) == (magnitude if exact >= 0 else -magnitude)
