"""Decoding text whose charset label may be missing or wrong (Japanese mail above all).

The declared charset first, with the supersets Windows mailers really use
(cp932 for Shift_JIS, CP5022x for ISO-2022-JP), then checks for labels that
lie, then detection (charset_normalizer), then UTF-8 with replacement
characters. Each fallback is reported in `Decoded.note`.
"""

from __future__ import annotations

import codecs
import functools
import re
from typing import NamedTuple

import charset_normalizer

_DETECT_SAMPLE = 64 * 1024

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
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
# JIS X 0208 rows: punctuation and symbols (、。【】「」※〒), full-width
# digits and letters; the kanji of levels 1 and 2.
_JIS_SYMBOL_ROWS = range(1, 4)
_JIS_KANJI_ROWS = range(16, 85)
# Full-width forms that cp932 decodes to other code points than EUC-JP (～, －, ￢).
_FULL_WIDTH_FORMS = re.compile(r"[\uff01-\uff5e\uffe0-\uffe5]")
_MIN_KOREAN_SYLLABLES = 3  # see _reads_as_korean
_HANGUL_SYLLABLES = re.compile(r"[\uac00-\ud7a3]")
# Share of Japanese characters among non-ASCII ones that makes text Japanese.
_JAPANESE_SHARE = 0.8
_JAPANESE_CODECS = frozenset({"cp932", "euc_jp"})
# What EUC-JP kanji become when read as UTF-8 (see _reading_rather_than_utf8):
# Latin Extended-B, IPA, spacing modifiers, combining marks, Coptic. Mail
# seldom has them, and then beside characters EUC-JP cannot produce.
_MISREAD_MARKS = re.compile(r"[\u0180-\u036f\u03e2-\u03ef]")
_ACCENTED_LATIN = re.compile(r"[\u00c0-\u017f]")
_LATIN1_LETTER = re.compile(r"[\u00c0-\u00ff]")
_THREE_OR_MORE_UTF8_BYTES = re.compile(r"[^\u0000-\u07ff]")


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
    yields a few random kanji: requiring kana keeps those out. Text without
    kana (subjects, names) gets the closer look of `_plausible_kanji_text`.
    """
    non_ascii = len(_NON_ASCII.findall(text))
    kana = len(_KANA.findall(text))
    if not non_ascii or kana < min(2, non_ascii):
        return 0.0
    return len(_JAPANESE.findall(text)) / non_ascii


@functools.lru_cache(maxsize=4096)
def _jis_row(char: str) -> int:
    """The row of `char` in JIS X 0208 (1-94), 0 when it is not there.

    EUC-JP writes a JIS X 0208 character as its row and cell plus 0xA0.
    """
    if _FULL_WIDTH_FORMS.fullmatch(char):
        return _JIS_SYMBOL_ROWS[0]
    try:
        encoded = char.encode("euc_jp")
    except UnicodeEncodeError:
        return 0
    return encoded[0] - 0xA0 if len(encoded) == 2 and encoded[0] >= 0xA1 else 0


def _kanji_inside_a_word(text: str) -> bool:
    """Kanji amid ASCII letters: what cp932 makes of the accented letters and
    curly apostrophes of Western text, each with the byte after it ("é" + "t",
    "’" + "s").

    Japanese puts a kanji word after a Latin name (Amazon重要, JR東日本) but
    seldom a lone kanji, or a word with letters on both sides.
    """
    for run in _NON_ASCII_RUN.finditer(text):
        start, end = run.span()
        if not any(_jis_row(char) in _JIS_KANJI_ROWS for char in run.group()):
            continue
        letter_before = bool(_ASCII_LETTER.fullmatch(text[start - 1 : start]))
        letter_after = bool(_ASCII_LETTER.fullmatch(text[end : end + 1]))
        lone = end - start == 1
        if (letter_before and letter_after) or (lone and (letter_before or letter_after)):
            return True
    return False


def _plausible_kanji_text(text: str) -> bool:
    """Japanese without kana: subjects such as 【楽天】重要 or 緊急連絡.

    Every non-ASCII character must be a JIS X 0208 symbol or kanji, which
    halfwidth katakana, private-use and vendor characters (what Western,
    Chinese or Korean bytes mostly become in cp932) are not.
    """
    rows = [_jis_row(char) for char in _NON_ASCII.findall(text)]
    return (
        bool(rows)
        and all(row in _JIS_SYMBOL_ROWS or row in _JIS_KANJI_ROWS for row in rows)
        and not _kanji_inside_a_word(text)
    )


def _reads_as_korean(data: bytes) -> bool:
    """EUC-KR Hangul reads as kanji in EUC-JP: bytes that are nothing but
    common Hangul syllables in EUC-KR are Korean, unless too few to tell.

    Two syllables are as likely one Japanese word in EUC-JP; a Japanese CSIRT
    reads them as Japanese.
    """
    text = _strict(data, "euc_kr")
    if text is None:
        return False
    non_ascii = _NON_ASCII.findall(text)
    syllables = len(_HANGUL_SYLLABLES.findall(text))
    return syllables == len(non_ascii) and syllables >= _MIN_KOREAN_SYLLABLES


def _reads_as_chinese(data: bytes) -> bool:
    """GB2312 shares EUC-JP's byte layout, so its hanzi read as kanji:
    charset_normalizer's character frequencies tell the two apart."""
    guess = _normalizer_guess(data)
    return guess is not None and guess.startswith(("gb", "hz"))


def _as_kanji_only_japanese(data: bytes) -> tuple[str, str] | None:
    """cp932 or EUC-JP text without kana, unless it reads as Korean or Chinese."""
    if _reads_as_korean(data):
        return None
    text = _strict(data, "cp932")
    if text is not None and _plausible_kanji_text(text):
        return text, "cp932"
    text = _strict(data, "euc_jp")
    if text is not None and _plausible_kanji_text(text) and not _reads_as_chinese(data):
        return text, "euc_jp"
    return None


def _as_japanese(data: bytes) -> tuple[str, str] | None:
    best: tuple[float, str, str] | None = None
    for codec in ("cp932", "euc_jp"):
        text = _strict(data, codec)
        if text is None:
            continue
        score = _japanese_score(text)
        if score >= _JAPANESE_SHARE and (best is None or score > best[0]):
            best = (score, text, codec)
    return (best[1], best[2]) if best else None


def _plausible_japanese(text: str) -> bool:
    return _japanese_score(text) >= _JAPANESE_SHARE or _plausible_kanji_text(text)


def _misread_word(word: str) -> bool:
    """A word no writer produces, but UTF-8 makes of EUC-JP kanji.

    Accented letters sit in words with plain ones (café, ça); a word of
    accented letters alone is a misreading (速達 as "®ã"), save a one-letter
    word such as the Portuguese "é".
    """
    if _MISREAD_MARKS.search(word):
        return True
    if not _ACCENTED_LATIN.search(word) or _ASCII_LETTER.search(word):
        return False
    return not (len(word) == 1 and _LATIN1_LETTER.fullmatch(word))


def _looks_misread(utf8: str) -> bool:
    return any(_misread_word(word) for word in utf8.split())


def _reading_rather_than_utf8(data: bytes, utf8: str, codec: str | None) -> tuple[str, str] | None:
    """The declared or Japanese reading of bytes that are valid UTF-8 too, when likelier.

    EUC-JP writes the kanji of JIS rows 34-47, cells 1-31 (未, 納, 速, 達, 発,
    表, 法, 的, 年 ...) as a byte C2-CF then one A1-BF: a two-byte UTF-8
    sequence. Text made of such kanji and ASCII alone is therefore valid UTF-8,
    and reads as Latin-1 symbols, accented or IPA letters, combining marks and
    Greek (未納 as "̤Ǽ", 速達 as "®ã", 発表 as "ȯɽ"). Kana, symbols and the
    other level-1 kanji put a byte A1-C1 where UTF-8 needs a lead byte, or
    C0-FE where it needs a continuation (no pair of JIS rows 1-47 but those
    kanji is valid UTF-8), so only rare level-2 kanji yield UTF-8 characters
    from U+0800 up: text with any (kana, kanji, Hangul) is taken as UTF-8.

    The trade-off: a declared Japanese charset wins when it decodes into
    plausible Japanese and the UTF-8 reading has no such character, at the
    cost of UTF-8 Greek or © mislabelled EUC-JP. Without a label, Japanese wins
    only over a UTF-8 reading no writer produces (`_looks_misread`): short
    Greek ("και") or Latin-1 symbols ("©") stay UTF-8, so EUC-JP words that
    read as those (両立 as "ξΩ", 存続 as "¸³") are still misread when
    undeclared.
    """
    if _THREE_OR_MORE_UTF8_BYTES.search(utf8):
        return None
    declared = _declared_chain(data, codec) if codec in _JAPANESE_CODECS else None
    if declared and _plausible_japanese(declared[0]):
        return declared
    if not _looks_misread(utf8):
        return None
    if codec and not _is_single_byte(codec):
        return _declared_chain(data, codec)
    return _as_japanese(data) or _as_kanji_only_japanese(data)


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
    # Kanji alone is weaker evidence than kana, but charset_normalizer takes
    # short kanji-only text for Chinese, Korean or UTF-16: Japanese comes first.
    japanese = _as_japanese(data) or _as_kanji_only_japanese(data)
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


def _as_declared_or_detected(
    found: tuple[str, str], label: str | None, codec: str | None
) -> Decoded:
    text, used = found
    if used == codec:
        return Decoded(text, used, None, False)
    if codec and not _is_single_byte(codec):
        return Decoded(text, used, f"declared {label!r}; decoded as {used}", False)
    said = f"declared charset {label!r}" if label else "no charset declared"
    return Decoded(text, used, f"{said}; detected {used}", False)


def _decode_8bit(
    data: bytes, label: str | None, codec: str | None, note_undeclared: bool
) -> Decoded:
    utf8 = _strict(data, "utf-8")
    if utf8 is not None and codec != "utf-8" and not _ascii_incompatible(codec):
        other = _reading_rather_than_utf8(data, utf8, codec)
        if other:
            return _as_declared_or_detected(other, label, codec)
        # Beyond short EUC-JP kanji, other charsets seldom form valid UTF-8.
        said = f"declared {label!r} but the bytes are UTF-8" if label else None
        if said is None and note_undeclared:
            said = "no charset declared; decoded as UTF-8"
        return Decoded(utf8, "utf-8", said, False)
    if codec and codec != "ascii":
        found = _declared_chain(data, codec)
        # Overriding a label that decodes takes kana, not kanji alone.
        if found and not (_is_single_byte(codec) and _as_japanese(data)):
            note = f"declared {label!r}; decoded as {found[1]}" if found[1] != codec else None
            return Decoded(found[0], found[1], note, False)
    return _detect(data, label, codec)
