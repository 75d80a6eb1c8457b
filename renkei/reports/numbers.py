"""Percentages as the reports print them (REPORT-SPEC.md, "Common rules").

Rounding is done on exact integers, half up and away from zero for
negative values, so that 0.5 -> 1 and -0.5 -> -1 on every platform and
database (floats would turn 2.675 into 2.67).
"""

from __future__ import annotations


def round_ratio(numerator: int, denominator: int, *, decimals: int = 0) -> int | float:
    """numerator / denominator rounded half away from zero to `decimals` places."""
    if denominator <= 0:
        raise ValueError("round_ratio needs a positive denominator")
    scale = 10**decimals
    magnitude = (2 * abs(numerator) * scale + denominator) // (2 * denominator)
    value = -magnitude if numerator < 0 else magnitude
    return value if decimals == 0 else value / scale


def change_pct(current: int, base: int) -> int | None:
    """Change from `base` to `current` in whole percent; None against a zero base."""
    if base == 0:
        return None
    return int(round_ratio((current - base) * 100, base))


def share_pct(part: int, whole: int) -> int:
    """Whole-percent share; 0 when there is nothing to share."""
    return int(round_ratio(part * 100, whole)) if whole else 0


def share_pct_1(part: int, whole: int) -> float:
    """Share with one decimal (industry shares)."""
    return float(round_ratio(part * 100, whole, decimals=1)) if whole else 0.0
