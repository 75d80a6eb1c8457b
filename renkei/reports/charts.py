"""The report's charts as SVG (matplotlib, no GUI backend).

Figures are built with matplotlib's object API (`Figure`), which needs no
pyplot state and no backend switch, so it is safe in a web process.
Text is stored as outlines (`svg.fonttype = path`): the SVG shows the
same glyphs in any browser and in WeasyPrint, with or without the font.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from renkei.reports.fonts import japanese_font, warn_missing
from renkei.reports.labels import CATEGORY, INDUSTRY, Lang, label, short_month_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Figures = dict[str, Any]

BAR_COLOR = "#2f6f9f"
PALETTE = (
    "#2f6f9f", "#e0823d", "#5a9e4b", "#c44e52", "#8172b2",
    "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd", "#4c4c4c",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TrendChart:
    key: str  # a series of figures["trends"]
    number: int  # the figure number in the report
    title: dict[str, str]


TREND_CHARTS: tuple[TrendChart, ...] = (
    TrendChart("reports", 1, {"ja": "インシデント報告件数の推移", "en": "Incident reports"}),
    TrendChart("coordinations", 2, {"ja": "インシデント調整件数の推移", "en": "Coordinations"}),
    TrendChart("phishing", 4, {"ja": "フィッシングサイト件数の推移", "en": "Phishing sites"}),
    TrendChart("defacement", 5, {"ja": "Web サイト改ざん件数の推移", "en": "Website defacements"}),
    TrendChart("malware_site", 6, {"ja": "マルウェアサイト件数の推移", "en": "Malware sites"}),
    TrendChart("scan", 7, {"ja": "スキャン件数の推移", "en": "Scans"}),
)


def chart_lang(lang: Lang) -> Lang:
    """The language charts can be labelled in: English when no Japanese font is installed."""
    if lang == "ja" and japanese_font() is None:
        warn_missing("charts are labelled in English instead of Japanese")
        return "en"
    return lang


def _rc() -> Any:  # matplotlib types rc keys as a Literal of every known name
    family = [name for name in (japanese_font(), "DejaVu Sans") if name]
    return {
        "font.family": "sans-serif",
        "font.sans-serif": family,
        "font.size": 9,
        "svg.fonttype": "none",
        "svg.hashsalt": "renkei",  # stable element ids: the same figures give the same SVG
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


@contextmanager
def _figure(size: tuple[float, float]) -> Iterator[Figure]:
    # matplotlib is imported on first use: it takes 0.7 s to load, which
    # every `renkei` command and web worker paid at start-up (the URLconf
    # reaches this module through the report views).
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_rc()):
        yield Figure(figsize=size)


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def bar_chart_svg(months: Sequence[str], values: Sequence[int], lang: Lang) -> str:
    """Monthly counts as bars, each labelled with its value."""
    with _figure((6.4, 2.8)) as figure:
        axes = figure.add_subplot()
        bars = axes.bar([short_month_label(m, lang) for m in months], values, color=BAR_COLOR)
        axes.bar_label(bars, labels=[f"{v:,}" for v in values], fontsize=7, padding=2)
        axes.yaxis.grid(True, color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        axes.tick_params(axis="x", labelrotation=45, labelsize=7)
        axes.margins(y=0.15)
        return _svg(figure)


def pie_chart_svg(labels: Sequence[str], values: Sequence[int], shares: Sequence[str]) -> str:
    """Shares as a pie with a legend; wedges under 5% carry no label, the legend names them.

    `shares` are the percentages as the report prints them (rounded half
    up by `numbers`), so the chart never disagrees with the tables.
    """
    total = sum(values)
    with _figure((5.2, 3.0)) as figure:
        axes = figure.add_subplot()
        if total == 0:
            axes.text(0.5, 0.5, "-", ha="center", va="center")
            axes.set_axis_off()
            return _svg(figure)
        wedges, _texts = axes.pie(
            values,
            colors=PALETTE[: len(values)],
            startangle=90,
            counterclock=False,
            wedgeprops={"linewidth": 0.8, "edgecolor": "white"},
        )
        for wedge, value, share in zip(wedges, values, shares, strict=True):
            if value * 100 >= 5 * total:
                x, y = _polar(0.68, (wedge.theta1 + wedge.theta2) / 2)
                axes.text(x, y, share, ha="center", va="center", fontsize=7, color="white")
        legend = [f"{name} ({share})" for name, share in zip(labels, shares, strict=True)]
        axes.legend(wedges, legend, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False,
                    fontsize=7)  # fmt: skip
        axes.set_aspect("equal")
        return _svg(figure)


def _polar(radius: float, degrees: float) -> tuple[float, float]:
    import math

    radians = math.radians(degrees)
    return radius * math.cos(radians), radius * math.sin(radians)


def quarterly_charts(figures: Figures, lang: Lang) -> dict[str, str]:
    """Every chart of the report as SVG text, keyed `fig1` ... `fig9_overseas`."""
    lang = chart_lang(lang)
    trends = figures["trends"]
    charts = {
        f"fig{chart.number}": bar_chart_svg(trends["months"], trends[chart.key], lang)
        for chart in TREND_CHARTS
    }
    categories = [row for row in figures["categories"] if row["total"]]
    charts["fig3"] = pie_chart_svg(
        [label(CATEGORY, lang, row["category"]) for row in categories],
        [row["total"] for row in categories],
        [f"{row['share_pct']}%" for row in categories],
    )
    for origin, rows in figures["phishing_brands"]["industries"].items():
        charts[f"fig9_{origin}"] = pie_chart_svg(
            [label(INDUSTRY, lang, row["industry"]) for row in rows],
            [row["count"] for row in rows],
            [f"{row['share_pct']:.1f}%" for row in rows],
        )
    return charts
