"""Visible text and links of an untrusted HTML body, without running or trusting it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import NamedTuple

# html.parser is pure Python: beyond this much HTML the rest is not parsed.
MAX_HTML_CHARS = 4 * 1024 * 1024

# Tags that start a new line when rendered.
_BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
    "p", "pre", "section", "table", "tbody", "td", "th", "thead", "tr", "ul",
))  # fmt: skip
_HIDDEN_TAGS = frozenset({"script", "style"})
# data-href and data-src are where scripts and lazy loading keep the targets a
# page hides from filters that read href and src only.
_LINK_ATTRS = frozenset({
    "href", "src", "action", "formaction", "background", "poster", "data-href", "data-src",
})  # fmt: skip
# Background images in style attributes: a phishing button or logo drawn in CSS.
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\"\s)]+)", re.IGNORECASE)
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"\s>]+)", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\n\f\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class HtmlText(NamedTuple):
    text: str
    links: list[str]


class _TextAndLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.links: dict[str, None] = {}
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")
        for name, value in attrs:
            if not value:
                continue
            if name in _LINK_ATTRS or (name == "data" and tag == "object"):
                self._link(value)
            elif name == "srcset":
                self._srcset(value)
            elif name == "style" and "(" in value:
                for match in _CSS_URL.finditer(value):
                    self._link(match.group(1))
        if tag == "meta":
            self._refresh(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:  # source line breaks are spaces; only block tags break lines
            self.pieces.append(data.replace("\n", " "))

    def _link(self, value: str) -> None:
        value = value.strip()
        if value[:2] == "//":  # protocol-relative: the scheme is the page's, and mail is
            value = "https:" + value  # read in webmail served over https
        if value and value[:5].lower() != "data:":  # inline images are not links
            self.links[value] = None

    def _srcset(self, value: str) -> None:
        """`url 1x, url 2x`: a URL is the first word of each candidate. A comma in a
        URL is part of it ("w_1,h_2.png"); one in a descriptor ends the candidate
        ("2x,url" when minified)."""
        starts_candidate = True
        for word in value.split():
            if not starts_candidate:
                if "," not in word:
                    continue  # a descriptor: "2x", "480w"
                word = word.partition(",")[2]
                if not word:
                    starts_candidate = True
                    continue
            self._link(word.rstrip(","))
            starts_candidate = word.endswith(",")

    def _refresh(self, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("http-equiv", "").lower() == "refresh":
            match = _REFRESH_URL.search(values.get("content", ""))
            if match:
                self._link(match.group(1))

    def text(self) -> str:
        lines = (_SPACES.sub(" ", line).strip() for line in "".join(self.pieces).split("\n"))
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# The html.parser of the Python we run (3.11.7) rescans to the end of the input
# for every construct that is never closed, so "<a <a <a ..." or "<!--<!--..."
# take quadratic time: minutes for a megabyte. Such openers are escaped to text
# first, which is what they render as anyway.
# Comments and marked sections end at their own closers ("<!--<![endif]-->" is
# one comment), so they are left to the closer-based rules below.
_UNCLOSED_TAG = re.compile(r"<(?=[A-Za-z/?]|!(?!--|\[))(?=[^<>]*(?:<|\Z))")
_COMMENT_OPEN = re.compile(r"<(?=!--)")
_COMMENT_CLOSE = re.compile(r"--\s*>")
_SECTION_NAMES = r"(?:cdata|temp|ignore|include|rcdata)"
_SECTION_OPEN = re.compile(rf"<(?=!\[{_SECTION_NAMES}(?![-_.a-z0-9]))", re.IGNORECASE | re.ASCII)
_SECTION_CLOSE = re.compile(r"\]\s*\]\s*>")
_MS_SECTION_OPEN = re.compile(r"<(?=!\[(?:if|else|endif)(?![-_.a-z0-9]))", re.IGNORECASE | re.ASCII)
_MS_SECTION_CLOSE = re.compile(r"\]\s*>")
# Any other "<![" makes html.parser raise, which would hide the rest of the body.
_UNKNOWN_SECTION = re.compile(
    rf"<(?=!\[(?!(?:{_SECTION_NAMES}|if|else|endif)(?![-_.a-z0-9])))", re.I | re.A
)


def _escape_unclosed(html: str, opener: re.Pattern[str], closer: re.Pattern[str]) -> str:
    last = 0
    for match in closer.finditer(html):
        last = match.end()
    tail = opener.sub("&lt;", html[last:])
    return html[:last] + tail


def _defuse(html: str) -> str:
    html = _UNKNOWN_SECTION.sub("&lt;", _UNCLOSED_TAG.sub("&lt;", html))
    html = _escape_unclosed(html, _COMMENT_OPEN, _COMMENT_CLOSE)
    html = _escape_unclosed(html, _SECTION_OPEN, _SECTION_CLOSE)
    return _escape_unclosed(html, _MS_SECTION_OPEN, _MS_SECTION_CLOSE)


def html_to_text(html: str) -> HtmlText:
    """Visible text and link targets of an HTML body; script and style content never
    appear in the text. html.parser is lenient, so broken markup still yields text."""
    parser = _TextAndLinks()
    try:
        parser.feed(_defuse(html[:MAX_HTML_CHARS]))
        parser.close()
    except AssertionError:  # _markupbase's answer to some malformed declarations
        pass
    return HtmlText(parser.text(), list(parser.links))
