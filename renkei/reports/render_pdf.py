"""The quarterly report as PDF: the HTML document typeset by WeasyPrint.

WeasyPrint finds fonts through fontconfig, so the CSS font stack
(`fonts.CSS_FONT_STACK`) picks the installed Japanese font by name. Without
one, Japanese text would come out as boxes: that is said loudly
(`JapaneseFontMissing`) rather than left for a reader to discover.
"""

from __future__ import annotations

from typing import Any

from renkei.reports.figures import quarterly_report
from renkei.reports.fonts import japanese_font, warn_missing
from renkei.reports.labels import Lang
from renkei.reports.periods import Quarter
from renkei.reports.render_html import quarterly_html_document


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # heavy: loaded only when a PDF is made

    return bytes(weasyprint.HTML(string=html).write_pdf())


def quarterly_pdf(quarter: Quarter, *, lang: Lang, figures: dict[str, Any] | None = None) -> bytes:
    if lang == "ja" and japanese_font() is None:
        warn_missing("the Japanese text of the PDF cannot be rendered")
    report = figures if figures is not None else quarterly_report(quarter)
    return html_to_pdf(quarterly_html_document(quarter, report, lang))
