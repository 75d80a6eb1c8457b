"""Parser for one received e-mail: fields, observables, attachments, clues.

`parse_mail` is pure (no database): it takes the bytes to parse (already
decrypted when they were encrypted to us) and returns everything the e-mail
collector stores. Messages forwarded inside the report (an attached .eml,
the way reporters pass on a phishing mail) count as part of it: their
subject and sender are what the brand matcher looks at first.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from renkei.intake.attachments import IncomingFile
from renkei.intake.suggest import Clues
from renkei.lib.archives import candidate_passwords
from renkei.lib.mime import (
    ParsedMessage,
    decode_bytes,
    extract_ticket_tag,
    html_to_text,
    mail_date,
)
from renkei.lib.observables import Observables, extract_observables
from renkei.lib.timestamps import is_in_range

MAX_TEXT = 200_000  # characters of the message kept in Report.text
MAX_SCANNED = 2_000_000  # characters searched for observables
MAX_PER_KIND = 500  # observables of one kind kept in Report.extra
MAX_HTML_ATTACHMENT = 2 * 1024 * 1024


@dataclass
class MailReport:
    parsed: ParsedMessage
    observables: Observables
    clues: Clues
    attachments: list[IncomingFile] = field(default_factory=list)
    passwords: list[str] = field(default_factory=list)
    ticket: str | None = None
    text: str = ""


def _messages(parsed: ParsedMessage) -> list[ParsedMessage]:
    """The message and every message forwarded inside it, outermost first."""
    found, stack = [], [parsed]
    while stack:
        message = stack.pop(0)
        found.append(message)
        stack.extend(message.forwarded)
    return found


def _html_attachment(data: bytes) -> tuple[str, list[str]]:
    text = decode_bytes(data[:MAX_HTML_ATTACHMENT], None).text
    return html_to_text(text)


_PDF_URI = re.compile(rb"/URI\s*\(((?:[^()\\]|\\.){1,2000})\)")


def pdf_links(data: bytes) -> list[str]:
    """Link annotations of a PDF (`/URI (https://...)`) where they are not compressed,
    which is how phishing PDFs usually carry their one big button."""
    links = []
    for match in _PDF_URI.finditer(data[: MAX_HTML_ATTACHMENT * 5]):
        value = match.group(1).replace(b"\\(", b"(").replace(b"\\)", b")")
        links.append(value.decode("latin-1"))
    return links[:100]


def is_html_attachment(filename: str, content_type: str) -> bool:
    return content_type == "text/html" or filename.lower().endswith((".htm", ".html", ".shtml"))


# Logs often go as application/octet-stream: their name says they are text.
_TEXT_NAMES = (".txt", ".log", ".csv", ".tsv")


def is_text_attachment(filename: str, content_type: str) -> bool:
    """A text file a reporter attached (a list of URLs, a log) rather than pasted.

    Headers of a forwarded message (text/rfc822-headers, .eml) are read as that
    message; their Received lines would list every relay as an observable.
    """
    if content_type == "text/rfc822-headers" or filename.lower().endswith(".eml"):
        return False
    return content_type.startswith("text/") or filename.lower().endswith(_TEXT_NAMES)


def _text_attachment(data: bytes) -> str:
    return decode_bytes(data[:MAX_HTML_ATTACHMENT], None).text


def _web(links: list[str]) -> list[str]:
    return [link.strip() for link in links if link.strip().lower().startswith(_WEB)]


_WEB = ("http://", "https://")


def _texts(message: ParsedMessage) -> list[str]:
    texts = [message.subject, message.text]
    if message.html_text and message.html_text != message.text:
        texts.append(message.html_text)
    return texts


def _display(message: ParsedMessage) -> str:
    header = [f"Subject: {message.subject}", f"From: {message.from_name} <{message.from_addr}>"]
    if message.date:
        header.append(f"Date: {message.date.isoformat()}")
    return "\n".join(header) + "\n\n" + message.text


def observables_json(observables: Observables) -> dict[str, Any]:
    """Non-empty kinds, each capped; `truncated` names the kinds that were cut."""
    data: dict[str, Any] = {}
    truncated = []
    for kind, values in asdict(observables).items():
        if not values:
            continue
        if isinstance(values, list) and len(values) > MAX_PER_KIND:
            truncated.append(kind)
            values = values[:MAX_PER_KIND]
        data[kind] = values
    if truncated:
        data["truncated"] = truncated
    return data


def received_time(parsed: ParsedMessage) -> datetime | None:
    """When the message reached the first server that wrote a Received header."""
    for header in parsed.received[:1]:
        _, _, stamp = header.rpartition(";")
        try:
            value = mail_date(stamp.strip())
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if value.tzinfo is not None and is_in_range(value):
            return value
    return parsed.date


def parse_mail(parsed: ParsedMessage) -> MailReport:
    messages = _messages(parsed)
    inner = messages[1] if len(messages) > 1 else parsed
    texts: list[str] = []
    links: list[str] = []
    html_links: list[str] = []
    files: list[IncomingFile] = []
    for message in messages:
        texts += _texts(message)
        links += message.links
        for item in message.attachments:
            files.append(IncomingFile(item.filename, item.content_type, item.data))
            if is_html_attachment(item.filename, item.content_type):
                text, found = _html_attachment(item.data)
                texts.append(text)
                html_links += found
            elif item.data.startswith(b"%PDF"):
                html_links += pdf_links(item.data)
            elif is_text_attachment(item.filename, item.content_type):
                texts.append(_text_attachment(item.data))
    scanned = "\n".join(t for t in texts if t)[:MAX_SCANNED]
    observables = extract_observables(scanned, extra_urls=[*links, *html_links])
    clues = Clues(
        subject=inner.subject or parsed.subject,
        sender_name=inner.from_name or parsed.from_name,
        sender_addr=inner.from_addr or parsed.from_addr,
        text=scanned,
        links=_web(links),
        urls=observables.urls,
        ips=observables.ip_flags,
        attachment_urls=_web(html_links),
        arf=next((m.arf for m in messages if m.arf), None),
    )
    text = "\n\n---- forwarded ----\n\n".join(_display(m) for m in messages)
    return MailReport(
        parsed=parsed,
        observables=observables,
        clues=clues,
        attachments=files,
        passwords=candidate_passwords(scanned),
        ticket=extract_ticket_tag(parsed.subject),
        text=text[:MAX_TEXT],
    )
