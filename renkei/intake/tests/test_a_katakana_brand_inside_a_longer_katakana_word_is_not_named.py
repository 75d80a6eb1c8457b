"""A katakana brand name at the end of a longer katakana word is not that brand.

Japanese names were found anywhere in the text, so `ライオン` (lion) and
`マイナスイオン` (negative ions) named the brand イオン, and a subject with
either proposed イオンカード with confidence 0.5. Katakana runs on without
spaces, so a katakana name now counts only where the katakana before it is not
part of the same word; names followed by more katakana (アマゾンギフト) still count.
"""

from __future__ import annotations

import pytest

from renkei.intake.brandmatch import BrandMatcher

CATALOG = BrandMatcher([
    (1, "イオンカード", "イオンカード"), (1, "イオンカード", "イオン"),
    (2, "Amazon", "アマゾン"), (3, "楽天", "楽天"),
])  # fmt: skip


@pytest.mark.parametrize("subject", ["ライオンの新商品", "マイナスイオン家電のご案内", "ﾗｲｵﾝ"])
def test_the_end_of_a_longer_word_is_not_the_brand(subject: str) -> None:
    assert CATALOG.match(subject=subject) is None


@pytest.mark.parametrize(
    ("subject", "brand"),
    [
        ("【イオン】ご利用確認", "イオンカード"),
        ("イオンカードのご利用確認", "イオンカード"),
        ("ｲｵﾝｶｰﾄﾞ会員様", "イオンカード"),
        ("アマゾンギフト券が当選", "Amazon"),
        ("お客様のアマゾン・アカウント", "Amazon"),
        ("ポイント楽天", "楽天"),
    ],
)
def test_a_name_standing_as_a_word_is_still_the_brand(subject: str, brand: str) -> None:
    match = CATALOG.match(subject=subject)

    assert match is not None and match.name == brand
