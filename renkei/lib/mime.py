"""Parse one raw e-mail (RFC 5322 + MIME) as it was received, whatever its state.

`parse_message` never raises on bad input. It returns what it could recover and
says what went wrong in `problems`; `completeness` is

- ``full``: everything was recovered (problems may still list repairs, such as
  a body whose charset label lied, that lost nothing);
- ``partial``: some content could not be recovered (a part over a limit, text
  decoded with replacement characters, a multipart that could not be repaired, a
  message cut short: no close boundary, or base64 that stops mid-quantum);
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
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.errors import (
    CloseBoundaryNotFoundDefect,
    InvalidBase64LengthDefect,
    InvalidBase64PaddingDefect,
    MessageError,
)
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any, Literal

from renkei.lib.charsets import decode_bytes
from renkei.lib.html_text import html_to_text
from renkei.lib.timestamps import is_in_range

__all__ = [
    "PARSER_ERRORS",
    "Attachment",
    "ParsedMessage",
    "decode_bytes",
    "decode_header_value",
    "extract_ticket_tag",
    "html_to_text",
    "parse_message",
]

MAX_PARTS = 500
MAX_DEPTH = 10
MAX_DECODED_BYTES = 50 * 1024 * 1024
# Broken multiparts repaired per message; every repair parses the rest again.
MAX_REPAIRS = 5
# Charset detection looks at a sample; the whole part is then decoded with its answer.

Completeness = Literal["full", "partial", "failed"]

# What the stdlib email package has been seen to raise on hostile input.
PARSER_ERRORS = (
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
    # The Message-IDs it answers (In-Reply-To, then References from the nearest).
    replied_to: list[str] = field(default_factory=list)


class _Problems:
    """Problems in the order found, each once; `lossy` once content was lost."""

    def __init__(self, initial: Iterable[str] = ()) -> None:
        self.items: list[str] = list(dict.fromkeys(initial))
        self.lossy = False

    def add(self, text: str, *, lossy: bool = False) -> None:
        if text not in self.items:
            self.items.append(text)
        self.lossy = self.lossy or lossy


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


# A four-digit year written with a leading zero (`1 Jan 0001`): the stdlib reads
# it by the two-digit rules, as 2001.
_ZERO_LED_YEAR = re.compile(r"[A-Za-z]{3}\w*\s+0\d{3}(?!\d)")


def mail_date(raw: str) -> datetime:
    """An RFC 5322 date; OverflowError for a year the stdlib would read as another."""
    if _ZERO_LED_YEAR.search(raw):
        raise OverflowError("a year before 1000")
    return parsedate_to_datetime(raw)


def _parse_date(raw: str | None, problems: _Problems) -> datetime | None:
    if not raw:
        return None
    try:
        value = mail_date(raw)
    except OverflowError:
        problems.add(f"Date: out of range, not used: {raw[:80]!r}")
        return None
    except (TypeError, ValueError, IndexError):
        problems.add(f"Date: cannot be parsed: {raw[:80]!r}")
        return None
    if value.tzinfo is None:
        problems.add("Date: no time zone; UTC assumed")
        value = value.replace(tzinfo=UTC)
    if not is_in_range(value):
        problems.add(f"Date: out of range, not used: {raw[:80]!r}")
        return None
    return value


_TICKET_TAG = re.compile(r"\[renkei#(I-[0-9A-HJKMNP-TV-Z]{10})\]", re.IGNORECASE | re.ASCII)


def extract_ticket_tag(subject: str) -> str | None:
    """The incident ref (`I-` + 10 Crockford base32) in a `[renkei#I-...]` tag."""
    match = _TICKET_TAG.search(subject)
    return match.group(1).upper() if match else None


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


# Defects that mean content was lost, not repaired: the message ends before its last
# part does (cut in transit or by a size limit; a cut at a line end leaves no other
# trace), or a decoded part's base64 stops short of a whole quantum or cannot be
# decoded at all (the stdlib registers these only on parts we decode). The others
# seen in real mail (stray characters in base64, a repaired start boundary) lose
# nothing: on the 1,000 phishing-pot messages none of these three occurs.
_LOSSY_DEFECTS = (
    CloseBoundaryNotFoundDefect,
    InvalidBase64PaddingDefect,
    InvalidBase64LengthDefect,
)


def _note_defects(part: Message, problems: _Problems) -> None:
    for defect in part.defects:
        lossy = isinstance(defect, _LOSSY_DEFECTS)
        problems.add(f"MIME defect: {type(defect).__name__}", lossy=lossy)


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
        repaired = BytesParser(policy=part.policy).parsebytes(head + data)
        if repaired.is_multipart():
            body.problems.add("multipart boundary missing or wrong; guessed from the body")
            for child in _children(repaired):
                _walk(child, depth + 1, body)
            return
    body.problems.add("multipart without a usable boundary; body kept as text", lossy=True)
    _leaf(part, "text/plain", depth, body)


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
        body.forwarded.append(
            _build(BytesParser(policy=part.policy).parsebytes(data), depth + 1, body.budget)
        )


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


_NAME_PARAMS = (("content-disposition", "filename"), ("content-type", "name"))


def _filename(part: Message, problems: _Problems) -> str:
    """The attachment's name, from raw header text decoded by our own chain.

    `get_filename()` would turn raw 8-bit bytes (a UTF-8 name sent as is)
    into replacement characters, and raise on an RFC 2231 charset such as
    idna, which would cost the whole message.
    """
    where = "attachment filename"
    try:
        param = _name_param(part, problems, where)
        if isinstance(param, tuple):  # RFC 2231: (charset, language, bytes as latin-1)
            charset, _, text = param
            decoded = decode_bytes(text.encode("raw-unicode-escape"), charset or None)
            if decoded.note:
                problems.add(f"{where}: {decoded.note}", lossy=decoded.lossy)
            param = decoded.text
    except PARSER_ERRORS as err:
        problems.add(f"{where} unreadable ({type(err).__name__}); left out", lossy=True)
        return ""
    return _decode_header(param or "", problems, where)


def _name_param(part: Message, problems: _Problems, where: str) -> str | tuple[str, str, str]:
    for header, param in _NAME_PARAMS:
        raw = _first(part, header)
        if raw is None or param not in raw.lower():
            continue
        holder = Message()  # only the header holding the name is decoded (and noted)
        holder[header] = _decode_raw_8bit(raw, problems, where)
        value = holder.get_param(param, header=header)
        if value:
            return value  # type: ignore[return-value]
    return ""


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
        inner = BytesParser(policy=part.policy).parsebytes(_decode_transfer(inner, encoding))
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
        replied_to=_replied_to(decoded),
    )


_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
MAX_REPLIED_TO = 20


def _replied_to(decoded: dict[str, str]) -> list[str]:
    """Message-IDs a reply names, nearest first, each once (a long thread's
    References are cut to the nearest MAX_REPLIED_TO)."""
    in_reply_to = _MESSAGE_ID.findall(decoded.get("in-reply-to", ""))
    references = _MESSAGE_ID.findall(decoded.get("references", ""))[::-1]
    return list(dict.fromkeys(in_reply_to + references))[:MAX_REPLIED_TO]


def _completeness(headers: list[tuple[str, str]], body: _Body, text: str) -> Completeness:
    if not headers and not (text or body.attachments or body.forwarded):
        body.problems.add("no headers and no body: not an e-mail message", lossy=True)
        return "failed"
    return "partial" if body.problems.lossy else "full"


# compat32 first: `_build` reads header values as raw text and decodes them
# itself (`_filename` too), while the default policy builds a structured
# header object on every access, content types included: 40 % of the time
# on real phishing mail. On the 1,000 of the sample the two give the same
# texts, links and attachments but for one raw 8-bit filename, and six
# messages differ in their problem notes (bench/README.md, "Session 6").
# The default policy is the second try.
_POLICIES = (("compat32", policy.compat32), ("default-policy", policy.default))


# The default policy spends ~0.2 ms on each part's headers: a 1 MB message of
# 30,000 empty parts would take it 6 s (compat32: 0.3 s). Past this many
# delimiter-looking lines, far more than MAX_PARTS allows, it is not tried.
_MANY_DELIMITERS = 4 * MAX_PARTS


def parse_message(raw: bytes) -> ParsedMessage:
    """Everything renkei wants from one raw message; never raises on bad input."""
    failures: list[str] = []
    for name, chosen in _POLICIES:
        if chosen is policy.default and raw.count(b"\n--") > _MANY_DELIMITERS:
            failures.append(f"{name} parsing not tried: over {_MANY_DELIMITERS} delimiter lines")
            continue
        try:
            parsed = BytesParser(policy=chosen).parsebytes(raw)
            return _build(parsed, 0, _Budget(), notes=failures)
        except PARSER_ERRORS as err:
            failures.append(f"{name} parsing failed ({type(err).__name__}: {err})")
    return ParsedMessage(
        text=raw.decode("utf-8", errors="replace"), problems=failures, completeness="failed"
    )
