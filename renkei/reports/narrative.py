"""The sentences around the tables, generated from the figures in Japanese and English.

Every comparison word is chosen from the sign of the rounded change it
prints, never written by hand: a positive change is 増加 / "increased", a
negative one 減少 / "decreased", a change that rounds to 0 is "about the
same" (or "unchanged" when the counts are equal), a comparison with
a zero base, whose change is null, says that there were none before, and
one with a period before the records begin (its count null too) says that
there are no records for it. (The
seed report says the domestic-brand count "decreased 17%" when it rose
from 3,170 to 3,700; this module cannot make that mistake.)

Each function takes the figures (`figures.quarterly_figures`) and returns
one paragraph; `narrative` returns them in the order of the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from renkei.reports.labels import CATEGORY, INDUSTRY, Lang, label

Figures = dict[str, Any]

PREVIOUS = {"ja": "前四半期", "en": "the previous quarter"}
LAST_YEAR = {"ja": "前年同期", "en": "the same quarter last year"}

# Category names as the subject of an English sentence.
CATEGORY_NOUN_EN = {
    "phishing": "phishing sites",
    "defacement": "website defacements",
    "malware_site": "malware sites",
    "scan": "scans",
    "dos": "DoS/DDoS attacks",
    "ics": "industrial control system incidents",
    "targeted_attack": "targeted attacks",
    "other": "other incidents",
}


def n(value: int | None) -> str:
    """1234 -> 1,234; "-" for a count not known (as in the tables)."""
    return "-" if value is None else f"{value:,}"


def _count_en(value: int, noun: str) -> str:
    """`1 report`, `2 reports`: a count with its noun in the number English needs."""
    return f"{n(value)} {noun}" if value == 1 else f"{n(value)} {noun}s"


def _ja(word: str) -> str:
    """A word inside Japanese text, with the space Japanese typesetting puts around Latin text."""
    lead = " " if word[:1].isascii() else ""
    trail = " " if word[-1:].isascii() else ""
    return f"{lead}{word}{trail}"


def _in_sentence(heading: str) -> str:
    """A capitalised label inside an English sentence: "Finance" -> "finance".

    An acronym keeps its capitals: "IT services", not "it services".
    """
    if heading[1:2].isupper():
        return heading
    return heading[:1].lower() + heading[1:]


@dataclass(frozen=True, slots=True)
class Change:
    """One comparison: the count now, the count it is compared with, the rounded change."""

    current: int
    base: int | None  # None: the period is before the records begin
    pct: int | None

    @classmethod
    def of(cls, block: dict[str, Any], base_key: str, pct_key: str) -> Change:
        return cls(block["total"], block[base_key], block[pct_key])

    @property
    def direction(self) -> str:
        """up, down, same (equal counts), flat (rounds to 0%), none (zero base) or
        unknown (no records for the period)."""
        if self.base is None:
            return "unknown"
        if self.pct is None:
            return "none"
        if self.pct > 0:
            return "up"
        if self.pct < 0:
            return "down"
        return "same" if self.current == self.base else "flat"


def _verb_ja(change: Change, *, final: bool) -> str:
    """`130%増加し` / `130%増加しました` and the like: a predicate for a `XXは` subject."""
    forms = {
        "up": (f" {change.pct}%増加し", f" {change.pct}%増加しました"),
        "down": (f" {abs(change.pct or 0)}%減少し", f" {abs(change.pct or 0)}%減少しました"),
        "same": ("同数で", "同数でした"),
        "flat": ("ほぼ同数で", "ほぼ同数でした"),
    }
    if change.direction in ("none", "unknown"):
        return (
            f" {n(change.current)} 件となり"
            if not final
            else f" {n(change.current)} 件となりました"
        )
    return forms[change.direction][1 if final else 0]


def _verb_en(change: Change, period: str) -> str:
    """`increased by 130%` and the like, for a plural subject."""
    direction = change.direction
    if direction == "up":
        return f"increased by {change.pct}%"
    if direction == "down":
        return f"decreased by {abs(change.pct or 0)}%"
    if direction == "same":
        return "were unchanged"
    if direction == "flat":
        return "were about the same"
    if direction == "unknown":
        return f"numbered {n(change.current)} (no records for {period})"
    return f"numbered {n(change.current)} (none in {period})"


def _pair_ja(names: tuple[str, str], changes: tuple[Change, Change], period: str) -> str:
    first, second = changes
    parts = []
    for name, change, final in ((names[0], first, False), (names[1], second, True)):
        zero = {"none": f"({period}は 0 件)", "unknown": f"({period}の記録なし)"}.get(
            change.direction, ""
        )
        parts.append(f"{name}は{zero}{_verb_ja(change, final=final)}")
    return "、".join(parts) + "。"


def totals_paragraph(figures: Figures, lang: Lang) -> str:
    totals = figures["totals"]
    reports, coordinations = totals["reports"], totals["coordinations"]
    changes = [
        (PREVIOUS, "previous_quarter", "change_vs_previous_quarter_pct"),
        (LAST_YEAR, "same_quarter_last_year", "change_vs_last_year_pct"),
    ]
    if lang == "ja":
        text = (
            f"本四半期に寄せられた報告件数は {n(reports['total'])} 件でした。このうち、"
            f"国内外の関連する組織との調整を行った件数は {n(coordinations['total'])} 件でした。"
        )
        for index, (period, base_key, pct_key) in enumerate(changes):
            pair = (
                Change.of(reports, base_key, pct_key),
                Change.of(coordinations, base_key, pct_key),
            )
            lead = (
                f"{period['ja']}と比較して、"
                if index == 0
                else f"また、{period['ja']}と比較すると、"
            )
            text += lead + _pair_ja(("報告件数", "調整件数"), pair, period["ja"])
        return text
    text = (
        f"In this quarter, {_count_en(reports['total'], 'report')} "
        f"{'was' if reports['total'] == 1 else 'were'} received and "
        f"{_count_en(coordinations['total'], 'coordination')} "
        f"{'was' if coordinations['total'] == 1 else 'were'} made with the organisations "
        "concerned, at home and overseas."
    )
    for period, base_key, pct_key in changes:
        report_change = Change.of(reports, base_key, pct_key)
        coordination_change = Change.of(coordinations, base_key, pct_key)
        text += (
            f" Compared with {period['en']}, reports {_verb_en(report_change, period['en'])}"
            f" and coordinations {_verb_en(coordination_change, period['en'])}."
        )
    return text


def _comparison_ja(change: Change, period: str) -> str:
    if change.direction == "none":
        return f"{period}は 0 件でした"
    if change.direction == "unknown":
        return f"{period}の記録はありません"
    base = f"{period}の {n(change.base)} 件"
    if change.direction in ("same", "flat"):
        return f"{base}と{_verb_ja(change, final=True)}"
    return f"{base}から{_verb_ja(change, final=True)}"


def _predicate_en(change: Change, period: str) -> str:
    """What `It` (a number just given) did compared with `period`; "" against a zero base."""
    direction = change.direction
    if direction in ("none", "unknown"):
        return ""
    if direction == "same":
        return f"was unchanged from {n(change.base)} in {period}"
    if direction == "flat":
        return f"was about the same as {n(change.base)} in {period}"
    return f"{_verb_en(change, period)} from {n(change.base)} in {period}"


def _comparisons_en(subject: str, total: int, changes: list[tuple[Change, str]]) -> str:
    """`The number of X was N. It increased by ... and decreased by ....` and the like."""
    text = f"The number of {subject} was {n(total)}."
    predicates = [_predicate_en(change, period) for change, period in changes]
    if any(predicates):
        text += " It " + " and ".join(p for p in predicates if p) + "."
    empty = [period for change, period in changes if change.direction == "none"]
    if empty:
        text += " There were none in " + " or in ".join(empty) + "."
    unrecorded = [period for change, period in changes if change.direction == "unknown"]
    if unrecorded:
        text += " There are no records for " + " or for ".join(unrecorded) + "."
    return text


def incidents_paragraph(figures: Figures, lang: Lang) -> str:
    block = figures["totals"]["incidents"]
    previous = Change.of(block, "previous_quarter", "change_vs_previous_quarter_pct")
    last_year = Change.of(block, "same_quarter_last_year", "change_vs_last_year_pct")
    if lang == "ja":
        return (
            f"本四半期のインシデント件数は {n(block['total'])} 件で、"
            f"{_comparison_ja(previous, PREVIOUS['ja'])}。"
            f"また、{_comparison_ja(last_year, LAST_YEAR['ja'])}。"
        )
    changes = [(previous, PREVIOUS["en"]), (last_year, LAST_YEAR["en"])]
    return _comparisons_en("incidents", block["total"], changes)


def shares_paragraph(figures: Figures, lang: Lang) -> str:
    rows = [r for r in figures["categories"] if r["total"] > 0]
    if not rows:
        return (
            "本四半期に報告を受けたインシデントはありませんでした。"
            if lang == "ja"
            else "No incidents were reported in this quarter."
        )
    top = sorted(rows, key=lambda r: -r["total"])[:2]
    if lang == "ja":
        names = [_ja(label(CATEGORY, "ja", r["category"])) for r in top]
        parts = [
            f"{name}に分類されるインシデントが {r['share_pct']}%"
            for name, r in zip(names, top, strict=True)
        ]
        return "、".join(parts) + "を占めています。"
    first = f"{top[0]['share_pct']}% of incidents were {CATEGORY_NOUN_EN[top[0]['category']]}"
    if len(top) == 1:
        return first + "."
    return first + f" and {top[1]['share_pct']}% were {CATEGORY_NOUN_EN[top[1]['category']]}."


def category_paragraph(row: dict[str, Any], lang: Lang) -> str:
    previous = Change.of(row, "previous_quarter", "change_vs_previous_quarter_pct")
    last_year = Change.of(row, "same_quarter_last_year", "change_vs_last_year_pct")
    if lang == "ja":
        name = _ja(label(CATEGORY, "ja", row["category"]))
        return (
            f"本四半期に報告が寄せられた{name}の件数は {n(row['total'])} 件で、"
            f"{_comparison_ja(previous, PREVIOUS['ja'])}。"
            f"また、{_comparison_ja(last_year, LAST_YEAR['ja'])}。"
        )
    subject = f"{CATEGORY_NOUN_EN[row['category']]} reported in this quarter"
    changes = [(previous, PREVIOUS["en"]), (last_year, LAST_YEAR["en"])]
    return _comparisons_en(subject, row["total"], changes)


def brand_origins_paragraph(figures: Figures, lang: Lang) -> str:
    origins = {row["origin"]: row for row in figures["phishing_brands"]["origins"]}
    sentences = []
    for origin in ("domestic", "overseas"):
        row = origins[origin]
        change = Change.of(row, "previous_quarter", "change_vs_previous_quarter_pct")
        if lang == "ja":
            place = "国内" if origin == "domestic" else "国外"
            lead = "本四半期は、" if origin == "domestic" else "また、"
            sentences.append(
                f"{lead}{place}のブランドを装ったフィッシングサイトの件数は "
                f"{n(row['total'])} 件となり、{_comparison_ja(change, PREVIOUS['ja'])}。"
            )
        else:
            subject = f"phishing sites imitating {origin} brands"
            sentences.append(_comparisons_en(subject, row["total"], [(change, PREVIOUS["en"])]))
    return ("" if lang == "ja" else " ").join(sentences)


def industries_paragraph(figures: Figures, lang: Lang) -> str:
    industries = figures["phishing_brands"]["industries"]
    leaders = [(o, industries[o][0]) for o in ("overseas", "domestic") if industries[o]]
    if not leaders:
        return ""
    if lang == "ja":
        parts = [
            f"{'国外' if o == 'overseas' else '国内'}ブランド関連の報告では"
            f"{_ja(label(INDUSTRY, 'ja', top['industry']))}関連のサイトを装ったものが "
            f"{top['share_pct']:.1f}%"
            for o, top in leaders
        ]
        return "、".join(parts) + "で、それぞれ最も多くを占めました。"
    parts = [
        f"among {o} brands, {_in_sentence(label(INDUSTRY, 'en', top['industry']))} "
        f"({top['share_pct']:.1f}%)"
        for o, top in leaders
    ]
    return "The industries imitated most were, " + "; ".join(parts) + "."


def phishing_coordination_paragraph(figures: Figures, lang: Lang) -> str:
    row = next(r for r in figures["coordination_by_category"] if r["category"] == "phishing")
    if not row["notifications"]:
        return ""
    if lang == "ja":
        return (
            "フィッシングサイトについて調整の連絡を行った先の割合は、"
            f"国内が {row['domestic_pct']}%、国外が {row['overseas_pct']}%でした。"
        )
    return (
        f"Of the coordination requests sent about phishing sites, {row['domestic_pct']}% went to "
        f"domestic and {row['overseas_pct']}% to overseas parties."
    )


def scan_ports_paragraph(figures: Figures, lang: Lang) -> str:
    top = figures["scan_ports"]["top"][:5]
    if not top:
        return ""
    ports = [f"{row['port']}/{row['protocol'].upper()}" for row in top]
    if lang == "ja":
        return f"頻繁にスキャンの対象となったポートは、{'、'.join(ports)} でした。"
    listed = ports[0] if len(ports) == 1 else ", ".join(ports[:-1]) + f" and {ports[-1]}"
    return f"The ports scanned most often were {listed}."


def narrative_sections(figures: Figures, lang: Lang) -> dict[str, list[str]]:
    """The paragraphs by the place they take in the report (empty ones left out)."""
    categories = [
        category_paragraph(row, lang)
        for row in figures["categories"]
        if row["total"] or row["previous_quarter"] or row["same_quarter_last_year"]
    ]
    sections = {
        "totals": [totals_paragraph(figures, lang)],
        "incidents": [incidents_paragraph(figures, lang)],
        "shares": [shares_paragraph(figures, lang)],
        "categories": categories,
        "brands": [brand_origins_paragraph(figures, lang)],
        "industries": [
            industries_paragraph(figures, lang),
            phishing_coordination_paragraph(figures, lang),
        ],
        "scan": [scan_ports_paragraph(figures, lang)],
    }
    return {key: [p for p in paragraphs if p] for key, paragraphs in sections.items()}


def narrative(figures: Figures, lang: Lang) -> list[str]:
    """The report's generated paragraphs, in the order of the seed report."""
    return [p for paragraphs in narrative_sections(figures, lang).values() for p in paragraphs]
