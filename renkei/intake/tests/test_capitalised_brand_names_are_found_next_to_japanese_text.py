"""Short capitalised brand names (SMBC, JCB, DHL, UPS) are found next to Japanese.

Such names are matched as written, and their pattern bounded them with `\\b`,
a Unicode word boundary: there is none between `C` and `カ` in `SMBCカード` or
between `L` and `よ` in `DHLより`, so the brand of the commonest Japanese
subjects was never proposed. The boundaries are now ASCII ones, as for the
other names.
"""

from __future__ import annotations

import pytest

from renkei.intake.brandmatch import BrandMatcher

CATALOG = BrandMatcher([
    (1, "三井住友カード", "三井住友カード"), (1, "三井住友カード", "SMBC"),
    (2, "JCB", "JCB"), (3, "DHL", "DHL"), (4, "UPS", "UPS"),
])  # fmt: skip


@pytest.mark.parametrize(
    ("subject", "brand"),
    [
        ("SMBCカードご利用確認のお願い", "三井住友カード"),
        ("【重要】JCBカード会員様へ", "JCB"),
        ("DHLよりお荷物のお届けについて", "DHL"),
        ("UPSの配達通知", "UPS"),
        ("ご利用のSMBC", "三井住友カード"),
    ],
)
def test_a_capitalised_name_touching_japanese_is_the_brand(subject: str, brand: str) -> None:
    match = CATALOG.match(subject=subject)

    assert match is not None and match.name == brand


def test_a_capitalised_name_inside_a_longer_word_is_still_not_a_brand() -> None:
    assert CATALOG.match(subject="UPSTREAM maintenance, GROUPS and SMBCX") is None
