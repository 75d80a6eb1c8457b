"""Parse one raw e-mail (RFC 5322 + MIME) as it was received, whatever its state.

`parse_message` never raises on bad input. It returns what it could recover and
says what went wrong in `problems`; `completeness` is

- ``full``: everything was recovered (problems may still list repairs, such as
  a body whose charset label lied, that lost nothing);
- ``partial``: some content could not be recovered (a part over a limit, text
  decoded with replacement characters, a multipart that could not be repaired);
- ``failed``: nothing usable (no headers and no body).

Japanese mail is the normal case here, so text is decoded by our own chain
rather than by the stdlib's, which has no fallbacks: the declared charset (with
the supersets Windows mailers really use: cp932 for Shift_JIS, CP5022x for
ISO-2022-JP), then detection, then UTF-8 with replacement characters. Header
values are taken raw from the parsed message and decoded the same way
(RFC 2047 encoded-words, raw 8-bit bytes), because the default policy's header
objects replace what their declared charset cannot decode.
"""

from __future__ import annotations

import binascii
import codecs
import functools
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.errors import MessageError
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any, Literal, NamedTuple

import charset_normalizer

MAX_PARTS = 500
MAX_DEPTH = 10
MAX_DECODED_BYTES = 50 * 1024 * 1024
# Broken multiparts repaired per message; every repair parses the rest again.
MAX_REPAIRS = 5
# html.parser is pure Python: beyond this much HTML the rest is not parsed.
MAX_HTML_CHARS = 4 * 1024 * 1024
# Charset detection looks at a sample; the whole part is then decoded with its answer.
_DETECT_SAMPLE = 64 * 1024

Completeness = Literal["full", "partial", "failed"]

# What the stdlib email package has been seen to raise on hostile input.
_PARSER_ERRORS = (
    MessageError,
    ValueError,
    TypeError,
    LookupError,
    AttributeError,
    AssertionError,
    RecursionError,
)


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes = field(repr=False)
    sha256: str
    md5: str
    sha1: str
    size: int


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str = ""
    subject: str = ""
    from_addr: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    date: datetime | None = None
    received: list[str] = field(default_factory=list)
    text: str = ""
    html: str = ""
    html_text: str = ""
    links: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    forwarded: list[ParsedMessage] = field(default_factory=list)
    arf: dict[str, str] | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    completeness: Completeness = "full"


class _Problems:
    """Problems in the order found, each once; `lossy` once content was lost."""

    def __init__(self, initial: Iterable[str] = ()) -> None:
        self.items: list[str] = list(dict.fromkeys(initial))
        self.lossy = False

    def add(self, text: str, *, lossy: bool = False) -> None:
        if text not in self.items:
            self.items.append(text)
        self.lossy = self.lossy or lossy


# --- Charsets ---------------------------------------------------------------------

# Labels mapped to what the sending software really meant (WHATWG Encoding
# Standard for the Western ones; cp932 and friends for Japanese).
_ALIASES: dict[str, str] = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "s-jis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "x-ms-cp932": "cp932",
    "cp50220": "iso2022_jp",
    "cp50221": "iso2022_jp",
    "cp50222": "iso2022_jp",
    "iso-2022-jp-ms": "iso2022_jp",
    "x-euc-jp": "euc_jp",
    "eucjp-ms": "euc_jp",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "unicode-1-1-utf-7": "utf-7",
}
# A label that cannot be true of bytes with the high bit set.
_SEVEN_BIT_LABELS = frozenset({"ascii", "us-ascii", "ansi_x3.4-1968", "us", "iso646-us"})
_NOT_CHARSETS = frozenset({"undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape"})
_ISO2022_CODECS = frozenset({"iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_ext"})
_ISO2022_JP_CHAIN = ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext")
# Tried after the CP5022x conversion: JIS X 0213 reads rows that mean other
# characters to Windows mailers, so it must not win over cp932.
_ISO2022_JP_LATE = ("iso2022_jp_2004", "iso2022_jp_3")
_SUPERSETS: dict[str, tuple[str, ...]] = {
    "cp932": ("shift_jis_2004",),
    "euc_jp": ("euc_jis_2004",),
    "cp1252": ("latin_1",),  # the five bytes cp1252 leaves undefined
}
_MULTIBYTE_PREFIXES = (
    "utf",
    "cp932",
    "shift_jis",
    "euc",
    "iso2022",
    "gb",
    "big5",
    "cp949",
)
_LABEL_JUNK = re.compile(r"[^a-z0-9_.:-]+")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_JIS_ESCAPE = re.compile(rb"\x1b(\$[@B]|\([BJI])")
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")
_JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff01-\uff5e]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class Decoded(NamedTuple):
    text: str
    codec: str
    note: str | None  # set when anything but the declared charset was used
    lossy: bool  # replacement characters were inserted


@functools.lru_cache(maxsize=256)
def _codec(label: str | None) -> str | None:
    """Python's codec name for a MIME charset label, or None when unknown.

    Junk around a label is common in spam (`"_iso-2022-jp$ESC"`), so the first
    plausible token is used.
    """
    if not label:
        return None
    tokens = _LABEL_JUNK.sub(" ", label.lower()).strip(" _-.").split()
    if not tokens:
        return None
    name = _ALIASES.get(tokens[0], tokens[0])
    if name in _SEVEN_BIT_LABELS:
        return "ascii"
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # Python-only codecs ("base64", "undefined", "unicode_escape") are not charsets.
    if not info._is_text_encoding or info.name in _NOT_CHARSETS:
        return None
    return info.name


def _ascii_incompatible(codec: str | None) -> bool:
    """Charsets whose bytes can look like ASCII (or UTF-8) and mean something else."""
    return codec is not None and codec.startswith(("utf-16", "utf-32", "utf-7"))


def _is_single_byte(codec: str) -> bool:
    return not codec.startswith(_MULTIBYTE_PREFIXES)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError):
        return None


def _sjis_pair(first: int, second: int) -> bytes:
    """The JIS X 0208 row/cell arithmetic that maps a JIS pair to Shift_JIS."""
    lead = (first + 1) // 2 + (0x70 if first <= 0x5E else 0xB0)
    if not first % 2:
        return bytes((lead, (second + 0x7E) & 0xFF))
    # Odd rows use the low trail range, which skips 0x7F.
    return bytes((lead, second + (0x20 if second >= 0x60 else 0x1F)))


def _jis_pairs(chunk: bytes) -> bytes:
    """JIS X 0208 byte pairs as Shift_JIS; stray control bytes pass through."""
    out = bytearray()
    index = 0
    while index < len(chunk):
        first = chunk[index]
        if not 0x21 <= first <= 0x7E or index + 1 >= len(chunk):
            out.append(first)
            index += 1
            continue
        out += _sjis_pair(first, chunk[index + 1])
        index += 2
    return bytes(out)


def _iso2022jp_as_cp932(data: bytes) -> str | None:
    """ISO-2022-JP as Windows writes it (CP50220/50221): NEC and IBM kanji included.

    Converting to Shift_JIS and decoding as cp932 gives those extension
    characters their Windows meaning (①, ㈱, 髙, 﨑), which no stdlib
    iso2022 codec does.
    """
    pieces = _JIS_ESCAPE.split(data)
    out = bytearray(pieces[0])
    for mode, chunk in zip(pieces[1::2], pieces[2::2], strict=True):
        if mode in (b"$B", b"$@"):
            out += _jis_pairs(chunk)
        elif mode == b"(I":
            out += bytes(b + 0x80 if 0x21 <= b <= 0x5F else b for b in chunk)
        else:
            out += chunk
    return _strict(bytes(out), "cp932")


def _decode_iso2022jp(data: bytes) -> tuple[str, str] | None:
    for codec in _ISO2022_JP_CHAIN:
        text = _strict(data, codec)
        if text is not None:
            return text, codec
    text = _iso2022jp_as_cp932(data)
    if text is not None:
        return text, "cp50220"
    for codec in _ISO2022_JP_LATE:
        text = _strict(data, codec)
        if text is not None:
            return text, codec
    return None


def _declared_chain(data: bytes, codec: str) -> tuple[str, str] | None:
    if codec in _ISO2022_CODECS:
        return _decode_iso2022jp(data)
    for candidate in (codec, *_SUPERSETS.get(codec, ())):
        text = _strict(data, candidate)
        if text is not None:
            return text, candidate
    return None


def _japanese_score(text: str) -> float:
    """Share of Japanese characters among non-ASCII ones; 0 without kana.

    Real Japanese prose always has kana, while Western text misread as cp932
    yields a few random kanji: requiring kana keeps those out.
    """
    non_ascii = len(_NON_ASCII.findall(text))
    kana = len(_KANA.findall(text))
    if not non_ascii or kana < min(2, non_ascii):
        return 0.0
    return len(_JAPANESE.findall(text)) / non_ascii


def _as_japanese(data: bytes) -> tuple[str, str] | None:
    best: tuple[float, str, str] | None = None
    for codec in ("cp932", "euc_jp"):
        text = _strict(data, codec)
        if text is None:
            continue
        score = _japanese_score(text)
        if score >= 0.8 and (best is None or score > best[0]):
            best = (score, text, codec)
    return (best[1], best[2]) if best else None


def _normalizer_guess(data: bytes) -> str | None:
    """charset_normalizer's answer; on a tie, windows-1252, the label Western
    mailers most often forget or get wrong."""
    results = charset_normalizer.from_bytes(data[:_DETECT_SAMPLE])
    best = results.best()
    if best is None:
        return None
    for match in results:
        if match.encoding == "cp1252" and (match.chaos, match.coherence) == (
            best.chaos,
            best.coherence,
        ):
            return "cp1252"
    return str(best.encoding)


def _bom_codec(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return None


def _detect(data: bytes, label: str | None, codec: str | None) -> Decoded:
    """The declared charset did not fit (or there was none): find one that does."""
    said = f"declared charset {label!r}" if label else "no charset declared"
    japanese = _as_japanese(data)
    if japanese:
        return Decoded(japanese[0], japanese[1], f"{said}; detected {japanese[1]}", False)
    if codec == "utf-8":
        # A few broken bytes in UTF-8 are damage, not a different charset.
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") <= max(4, len(data) // 1000):
            return Decoded(text, "utf-8", f"{said}: invalid UTF-8 bytes replaced", True)
    guess = _normalizer_guess(data)
    if guess is not None:
        text = data.decode(guess, errors="replace")
        lossy = "\ufffd" in text
        return Decoded(text, guess, f"{said}; detected {guess}", lossy)
    text = data.decode("utf-8", errors="replace")
    return Decoded(text, "utf-8", f"{said}; decoded as UTF-8 with replacement characters", True)


def decode_bytes(data: bytes, label: str | None, *, note_undeclared: bool = True) -> Decoded:
    """Text from bytes in the charset `label` claims, or the one they are really in.

    `note_undeclared=False` accepts unlabelled UTF-8 silently (RFC 6532 headers).
    """
    codec = _codec(label)
    has_escape = b"\x1b" in data
    if data.isascii() and not has_escape and not _ascii_incompatible(codec):
        return Decoded(data.decode("ascii"), "ascii", None, False)
    bom = _bom_codec(data)
    if bom:
        return Decoded(data.decode(bom, errors="replace"), bom, None, False)
    if has_escape and (codec in _ISO2022_CODECS or codec is None or data.isascii()):
        found = _decode_iso2022jp(data)
        if found:
            note = None if codec in _ISO2022_CODECS else f"ISO-2022-JP text labelled {label!r}"
            return Decoded(found[0], found[1], note, False)
    return _decode_8bit(data, label, codec, note_undeclared)


def _decode_8bit(
    data: bytes, label: str | None, codec: str | None, note_undeclared: bool
) -> Decoded:
    utf8 = _strict(data, "utf-8")
    if utf8 is not None and codec != "utf-8" and not _ascii_incompatible(codec):
        # Other charsets almost never form valid multi-byte UTF-8 by chance.
        said = f"declared {label!r} but the bytes are UTF-8" if label else None
        if said is None and note_undeclared:
            said = "no charset declared; decoded as UTF-8"
        return Decoded(utf8, "utf-8", said, False)
    if codec and codec != "ascii":
        found = _declared_chain(data, codec)
        if found and not (_is_single_byte(codec) and _as_japanese(data)):
            note = f"declared {label!r}; decoded as {found[1]}" if found[1] != codec else None
            return Decoded(found[0], found[1], note, False)
    return _detect(data, label, codec)


# --- Header values ----------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_SURROGATE = re.compile(r"[\udc80-\udcff]")
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")


def _word_bytes(encoding: str, payload: str) -> bytes:
    raw = payload.encode("ascii", "surrogateescape")
    if encoding in "qQ":
        return binascii.a2b_qp(raw, header=True)
    chars = _NOT_BASE64.sub("", payload)
    if len(chars) % 4 == 1:  # a lone trailing character cannot carry a byte
        chars = chars[:-1]
    return binascii.a2b_base64(chars + "=" * (-len(chars) % 4))


def _decode_raw_8bit(value: str, problems: _Problems, where: str) -> str:
    """A header with raw 8-bit bytes (which the parser kept as surrogates)."""
    if not _SURROGATE.search(value):
        return value
    decoded = decode_bytes(value.encode("ascii", "surrogateescape"), None, note_undeclared=False)
    if decoded.note:
        problems.add(f"{where}: raw 8-bit header; {decoded.note}", lossy=decoded.lossy)
    return decoded.text


def _flush_words(run: list[tuple[str, bytearray]], problems: _Problems, where: str) -> str:
    out = []
    for charset, data in run:
        decoded = decode_bytes(bytes(data), charset)
        if decoded.note:
            problems.add(f"{where}: {decoded.note}", lossy=decoded.lossy)
        out.append(decoded.text)
    run.clear()
    return "".join(out)


def decode_header_value(raw: str) -> str:
    """Unfold a raw header value and decode its encoded-words (RFC 2047)."""
    return _decode_header(raw, _Problems(), "header")


def _decode_header(raw: str, problems: _Problems, where: str) -> str:
    """Adjacent words in one charset are joined before decoding: mailers split
    multi-byte characters across words, which word-by-word decoding breaks."""
    value = _FOLD.sub("", raw) if "\n" in raw else raw
    if not value.isascii():  # only then can it hold raw 8-bit bytes
        value = _decode_raw_8bit(value, problems, where)
    value = value.strip()
    if "=?" not in value:
        return value
    pieces: list[str] = []
    run: list[tuple[str, bytearray]] = []
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position : match.start()]
        if not run or gap.strip():  # whitespace between two words is not text (§6.2)
            pieces.append(_flush_words(run, problems, where) + gap)
        charset, encoding, payload = match.groups()
        charset = charset.split("*", 1)[0].lower()  # RFC 2231 language suffix
        try:
            data = _word_bytes(encoding, payload)
        except binascii.Error:
            problems.add(f"{where}: undecodable encoded-word kept as is")
            pieces.append(_flush_words(run, problems, where) + match.group())
        else:
            if run and run[-1][0] == charset:
                run[-1][1].extend(data)
            else:
                run.append((charset, bytearray(data)))
        position = match.end()
    pieces.append(_flush_words(run, problems, where) + value[position:])
    return "".join(pieces)


def _addresses(raw: str, problems: _Problems, where: str) -> list[tuple[str, str]]:
    """(display name, address) pairs; names decoded after splitting, so an
    encoded comma inside a name cannot split it."""
    value = _decode_raw_8bit(_FOLD.sub("", raw), problems, where)
    pairs = [(name, addr) for name, addr in getaddresses([value]) if addr]
    if not pairs and "@" in value:
        problems.add(f"{where}: malformed address list")
        pairs = [("", word.strip("<>\"'(),;")) for word in value.split() if "@" in word]
    return [(_decode_header(name, problems, where), addr) for name, addr in pairs]


def _parse_date(raw: str | None, problems: _Problems) -> datetime | None:
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.add(f"Date: cannot be parsed: {raw[:80]!r}")
        return None
    if value.tzinfo is None:
        problems.add("Date: no time zone; UTC assumed")
        value = value.replace(tzinfo=UTC)
    return value


_TICKET_TAG = re.compile(r"\[renkei#(I-[0-9A-HJKMNP-TV-Z]{10})\]", re.IGNORECASE | re.ASCII)


def extract_ticket_tag(subject: str) -> str | None:
    """The incident ref (`I-` + 10 Crockford base32) in a `[renkei#I-...]` tag."""
    match = _TICKET_TAG.search(subject)
    return match.group(1).upper() if match else None


# --- HTML -------------------------------------------------------------------------

# Tags that start a new line when rendered.
_BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
    "p", "pre", "section", "table", "tbody", "td", "th", "thead", "tr", "ul",
))  # fmt: skip
_HIDDEN_TAGS = frozenset({"script", "style"})
_LINK_ATTRS = frozenset({"href", "src", "action", "formaction", "background", "poster"})
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
            if value and name in _LINK_ATTRS:
                self._link(value)
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
        if value and value[:5].lower() != "data:":  # inline images are not links
            self.links[value] = None

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


# --- Body walk --------------------------------------------------------------------


@dataclass
class _Budget:
    """Limits shared by a message and every message forwarded inside it."""

    parts: int = 0
    decoded: int = 0
    repairs: int = 0  # each repair parses the rest of the body again
    spent: bool = False

    def take_part(self, problems: _Problems) -> bool:
        self.parts += 1
        if self.parts > MAX_PARTS:
            self._spend(problems, f"more than {MAX_PARTS} MIME parts; the rest skipped")
        return not self.spent

    def take_bytes(self, size: int, problems: _Problems) -> bool:
        self.decoded += size
        if self.decoded > MAX_DECODED_BYTES:
            self._spend(
                problems,
                f"more than {MAX_DECODED_BYTES} decoded bytes; the rest skipped",
            )
        return not self.spent

    def _spend(self, problems: _Problems, reason: str) -> None:
        self.spent = True
        problems.add(reason, lossy=True)


@dataclass
class _Body:
    problems: _Problems
    budget: _Budget
    xarf: bool = False
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    forwarded: list[ParsedMessage] = field(default_factory=list)
    arf: dict[str, str] | None = None
    leaves: int = 0


def _walk(part: Message, depth: int, body: _Body) -> None:
    if not body.budget.take_part(body.problems):
        return
    if depth > MAX_DEPTH:
        body.problems.add(f"MIME nesting deeper than {MAX_DEPTH}; deeper parts skipped", lossy=True)
        return
    ctype = part.get_content_type()
    if ctype == "message/feedback-report":
        body.arf = _report_fields(part)
    elif ctype == "message/delivery-status":
        _delivery_status(part, body)
    elif ctype.startswith("message/") and _inner(part) is not None:
        _forwarded_part(part, depth, body)
    elif part.is_multipart():
        for child in _children(part):
            _walk(child, depth + 1, body)
    elif ctype.startswith("multipart/"):
        _repair_multipart(part, depth, body)
    else:
        _leaf(part, ctype, depth, body)
    _note_defects(part, body.problems)


def _note_defects(part: Message, problems: _Problems) -> None:
    for defect in part.defects:
        problems.add(f"MIME defect: {type(defect).__name__}")


_BOUNDARY_LINE = re.compile(rb"^--([^\s\"\\]{1,200})[ \t]*\r?$", re.MULTILINE)


def _repair_multipart(part: Message, depth: int, body: _Body) -> None:
    """A multipart whose boundary is missing or wrong: guess it from the first
    delimiter-looking line and parse again, else keep the body as text."""
    data = part.get_payload(decode=True)
    data = data if isinstance(data, bytes) else b""
    if not data.strip():
        return  # nothing was lost (seen: a nested part reusing its parent's boundary)
    match = _BOUNDARY_LINE.search(data)
    body.budget.repairs += 1
    if match and body.budget.repairs <= MAX_REPAIRS:
        head = b'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n' % match.group(1)
        repaired = _parse(head + data, part.policy)
        if repaired.is_multipart():
            body.problems.add("multipart boundary missing or wrong; guessed from the body")
            for child in _children(repaired):
                _walk(child, depth + 1, body)
            return
    body.problems.add("multipart without a usable boundary; body kept as text", lossy=True)
    _leaf(part, "text/plain", depth, body)


# policy.default spends ~0.2 ms on each part's headers: a 1 MB message of 30,000
# empty parts takes 6 s (compat32: 0.3 s). Past this many delimiter-looking
# lines, far more than MAX_PARTS allows anyway, compat32 parses instead.
_MANY_DELIMITERS = 4 * MAX_PARTS


def _too_many_delimiters(raw: bytes) -> bool:
    return raw.count(b"\n--") > _MANY_DELIMITERS


def _parse(raw: bytes, preferred: Any = policy.default) -> Message:
    chosen = policy.compat32 if _too_many_delimiters(raw) else preferred
    return BytesParser(policy=chosen).parsebytes(raw)


def _leaf(part: Message, ctype: str, depth: int, body: _Body) -> None:
    body.leaves += 1
    data = part.get_payload(decode=True)
    data = data if isinstance(data, bytes) else b""
    if not body.budget.take_bytes(len(data), body.problems):
        return
    if ctype in ("text/plain", "text/html") and part.get_content_disposition() != "attachment":
        text = _part_text(part, data, ctype, body)
        if _wants_xarf(body, ctype):
            body.arf = _xarf_fields(text)
        (body.htmls if ctype == "text/html" else body.texts).append(text)
        return
    if _wants_xarf(body, ctype):
        body.arf = _xarf_fields(_part_text(part, data, ctype, body))
    filename = _filename(part, body.problems)
    body.attachments.append(_attachment(filename, ctype, data))
    if ctype == "text/rfc822-headers" or filename.lower().endswith(".eml"):
        body.forwarded.append(_build(_parse(data, part.policy), depth + 1, body.budget))


def _wants_xarf(body: _Body, ctype: str) -> bool:
    """X-ARF puts its report in the second part, after the human-readable one."""
    return body.xarf and body.arf is None and body.leaves > 1 and ctype in _XARF_TYPES


_XARF_TYPES = frozenset({"text/plain", "application/json", "text/json", "text/x-yaml"})


def _part_text(part: Message, data: bytes, ctype: str, body: _Body) -> str:
    label = part.get_content_charset()
    if label is None and ctype == "text/html":
        label = _meta_charset(data)
    decoded = decode_bytes(data, label)
    if decoded.note:
        where = f"part {body.leaves} ({ctype})"
        body.problems.add(f"{where}: {decoded.note}", lossy=decoded.lossy)
    return decoded.text.replace("\r\n", "\n")


_META_CHARSET = re.compile(
    rb"<meta[^>]{0,200}?charset=[\"']?([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE
)


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def _filename(part: Message, problems: _Problems) -> str:
    name = part.get_filename() or ""
    return _decode_header(name, problems, "attachment filename")


def _attachment(filename: str, ctype: str, data: bytes) -> Attachment:
    return Attachment(
        filename=filename,
        content_type=ctype,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha1=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        size=len(data),
    )


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if not isinstance(payload, list):
        return []
    return [child for child in payload if isinstance(child, Message)]


def _inner(part: Message) -> Message | None:
    children = _children(part)
    return children[0] if children else None


def _forwarded_part(part: Message, depth: int, body: _Body) -> None:
    inner = _inner(part)
    assert inner is not None  # checked by the caller
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    if encoding in ("base64", "quoted-printable"):
        # Some mailers encode message/rfc822 (RFC 2046 forbids it); the parser
        # then sees the encoded text as a header-less message.
        inner = _parse(_decode_transfer(inner, encoding), part.policy)
    body.forwarded.append(_build(inner, depth + 1, body.budget))


def _decode_transfer(inner: Message, encoding: str) -> bytes:
    raw = inner.get_payload()
    data = raw.encode("ascii", "surrogateescape") if isinstance(raw, str) else b""
    try:
        if encoding == "base64":
            return binascii.a2b_base64(data)
        return binascii.a2b_qp(data)
    except binascii.Error:
        return data


def _fields(message: Message) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in message.raw_items():
        key = name.strip().lower()
        text = decode_header_value(value)
        fields[key] = f"{fields[key]}\n{text}" if key in fields else text
    return fields


def _report_fields(part: Message) -> dict[str, str]:
    """RFC 5965 §3.1: the machine-readable part is a block of header fields."""
    inner = _inner(part)
    if inner is not None:
        return _fields(inner)
    payload = part.get_payload()
    text = payload if isinstance(payload, str) else ""
    return _fields(BytesParser(policy=policy.compat32).parsebytes(text.encode("utf-8", "replace")))


_YAML_FIELD = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*?)\s*$", re.MULTILINE)


def _xarf_fields(text: str) -> dict[str, str] | None:
    """The report part of an X-ARF message: JSON (0.3+) or YAML-ish lines (0.1/0.2)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            return {str(k).lower(): _scalar(v) for k, v in data.items()}
    fields = {key.lower(): value for key, value in _YAML_FIELD.findall(stripped)}
    return fields if len(fields) >= 2 else None


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _delivery_status(part: Message, body: _Body) -> None:
    """Bounce details (RFC 3464) kept as a text attachment of their fields."""
    text = "\n\n".join(
        "\n".join(f"{name}: {value}" for name, value in _fields(block).items())
        for block in _children(part)
    )
    body.attachments.append(_attachment("", "message/delivery-status", text.encode("utf-8")))


# --- Assembly ---------------------------------------------------------------------


def _headers(message: Message, problems: _Problems) -> list[tuple[str, str]]:
    return [(name, _decode_header(value, problems, name)) for name, value in message.raw_items()]


def _first(message: Message, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name:
            return value
    return None


def _recipients(message: Message, problems: _Problems) -> list[str]:
    raw = ", ".join(value for key, value in message.raw_items() if key.lower() == "to")
    return [address for _, address in _addresses(raw, problems, "To")] if raw else []


def _build(
    message: Message, depth: int, budget: _Budget, notes: Iterable[str] = ()
) -> ParsedMessage:
    problems = _Problems(notes)
    headers = _headers(message, problems)
    decoded = {name.lower(): value for name, value in reversed(headers)}
    sender = _addresses(_first(message, "from") or "", problems, "From")[:1] or [("", "")]
    body = _Body(problems, budget, xarf=decoded.get("x-arf", "").lower() == "yes")
    _walk(message, depth, body)
    html = "\n".join(body.htmls)
    html_text, links = html_to_text(html) if html else ("", [])
    text = "\n\n".join(body.texts) or html_text
    to = _recipients(message, problems)
    date = _parse_date(_first(message, "date"), problems)
    completeness = _completeness(headers, body, text)
    return ParsedMessage(
        message_id=decoded.get("message-id", ""),
        subject=decoded.get("subject", ""),
        from_addr=sender[0][1],
        from_name=sender[0][0],
        to=to,
        date=date,
        received=[value for name, value in headers if name.lower() == "received"],
        text=text,
        html=html,
        html_text=html_text,
        links=links,
        attachments=body.attachments,
        forwarded=body.forwarded,
        arf=body.arf,
        headers=headers,
        problems=problems.items,
        completeness=completeness,
    )


def _completeness(headers: list[tuple[str, str]], body: _Body, text: str) -> Completeness:
    if not headers and not (text or body.attachments or body.forwarded):
        body.problems.add("no headers and no body: not an e-mail message", lossy=True)
        return "failed"
    return "partial" if body.problems.lossy else "full"


def parse_message(raw: bytes) -> ParsedMessage:
    """Everything renkei wants from one raw message; never raises on bad input."""
    if _too_many_delimiters(raw):
        first = f"more than {_MANY_DELIMITERS} delimiter lines; parsed with compat32 (faster)"
    else:
        try:
            return _build(BytesParser(policy=policy.default).parsebytes(raw), 0, _Budget())
        except _PARSER_ERRORS as err:
            first = f"default-policy parsing failed ({type(err).__name__}: {err}); used compat32"
    try:
        parsed = BytesParser(policy=policy.compat32).parsebytes(raw)
        return _build(parsed, 0, _Budget(), notes=[first])
    except _PARSER_ERRORS as err:
        second = f"compat32 parsing failed too ({type(err).__name__}: {err})"
    return ParsedMessage(
        text=raw.decode("utf-8", errors="replace"),
        problems=[first, second],
        completeness="failed",
    )
