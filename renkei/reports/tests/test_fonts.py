"""Without a Japanese font, charts say so and fall back to English labels."""

from __future__ import annotations

import pytest

from renkei.reports import charts, fonts
from renkei.reports.charts import chart_lang, quarterly_charts


def test_an_installed_japanese_font_is_found() -> None:
    if fonts.japanese_font() is None:
        pytest.skip("no Japanese font on this machine (apt-get install fonts-noto-cjk)")
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family=fonts.japanese_font()))
    font = FT2Font(path)
    assert all(font.get_char_index(ord(char)) for char in "フィッシング報告件数")  # has the glyphs


def test_fonts_installed_after_matplotlib_cached_its_list_are_found_in_every_weight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from matplotlib import font_manager

    if fonts.japanese_font() is None:
        pytest.skip("no Japanese font on this machine (apt-get install fonts-noto-cjk)")
    # A font list cached before the fonts were installed: no Japanese font in it.
    manager = font_manager.FontManager()
    manager.ttflist = [f for f in manager.ttflist if f.name not in fonts.PREFERRED]
    monkeypatch.setattr(font_manager, "fontManager", manager)

    name = fonts._from_fontconfig()

    assert name in fonts.PREFERRED
    regular = manager.findfont(font_manager.FontProperties(family=name, weight="normal"))
    assert name == font_manager.FontProperties(fname=regular).get_name()
    weights = {f.weight for f in manager.ttflist if f.name == name}
    assert {400, 700} <= weights, weights
    assert next(f.weight for f in manager.ttflist if f.fname == regular) == 400


def test_without_a_japanese_font_charts_warn_and_use_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(charts, "japanese_font", lambda: None)

    with pytest.warns(fonts.JapaneseFontMissing, match="fonts-noto-cjk"):
        assert chart_lang("ja") == "en"


def test_english_charts_need_no_japanese_font(monkeypatch: pytest.MonkeyPatch) -> None:
    import warnings

    monkeypatch.setattr(charts, "japanese_font", lambda: None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert chart_lang("en") == "en"


def test_japanese_chart_labels_are_text_in_the_svg_when_a_font_exists() -> None:
    if fonts.japanese_font() is None:
        pytest.skip("no Japanese font on this machine")
    figures = {
        "trends": {"months": ["2023-04"], "reports": [1], "coordinations": [1], "phishing": [1],
                   "defacement": [0], "malware_site": [0], "scan": [0]},
        "categories": [{"category": "phishing", "total": 3, "share_pct": 100}],
        "phishing_brands": {"industries": {"domestic": [], "overseas": []}},
    }  # fmt: skip

    svgs = quarterly_charts(figures, "ja")

    assert "フィッシングサイト (100%)" in svgs["fig3"]
    assert "2023/4" in svgs["fig1"]
