"""Parsing one line of the exchange format (EXCHANGE-FORMAT.md) into a record.

A parser only checks shape and types; normalization, classification and
deduplication are the experts' and services' work. Every problem raises
`ValidationError` with a message naming the field, so the importer can
report it against the line number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from renkei.intake.reader import MAX_LINE_BYTES
from renkei.lib.errors import ValidationError
from renkei.lib.normalize import CATEGORIES, json_without_nul, refuse_deep_json
from renkei.lib.timestamps import in_range

CHANNELS = ("web", "email", "fax", "phone", "api", "feed")
INDUSTRIES = (
    "finance", "ecommerce", "telecom", "transport", "logistics", "government",
    "utilities", "media", "it_services", "crypto", "other",
)  # fmt: skip
# The refs renkei makes and `renkei export` writes (incidents.models._ref_text).
INCIDENT_REF = re.compile(r"I-[0-9A-HJKMNP-TV-Z]{10}")
# Who decided a report's category (intake.models.CategoryOrigin); `renkei export`
# writes it when not the reporter, so an analyst's decision survives a restore.
CATEGORY_ORIGINS = ("reporter", "classifier", "analyst")
# What an incident merged away was before (incidents.models.IncidentStatus, but merged).
STATUSES_BEFORE_MERGE = ("open", "notified", "not_notified", "resolved")
# A notification's delivery (coordination.models.NotificationStatus): `renkei export`
# writes it when the notification was not sent, which the statistics do not count.
NOTIFICATION_STATUSES = ("sent", "queued", "failed")
# Fields stored without a bound (URL, free text, a notification's body) are bounded only
# by the line, as other intake paths store them: a tighter bound here lost such records
# when a backup was restored (a feed's 9,000-character phishing URL).
UNBOUNDED = MAX_LINE_BYTES
BASES = ("site_confirmed", "detailed_logs", "contact_requested", "high_threat")
REASONS = (
    "site_unreachable", "already_notified", "information_only", "low_threat",
    "insufficient_logs", "insufficient_information",
)  # fmt: skip
# What this instance itself found about a report, kept in its `extra` and shown
# as such: an OpenPGP verdict, the classifier's suggestion, an analyst's decision.
# From a file or an API client they would pass for this instance's own findings
# ("signature valid", "decided by admin"), so a file's are kept under FROM_SOURCE
# and an API client's are refused.
SERVER_SET_EXTRA = frozenset({"pgp", "suggestion", "decision"})
FROM_SOURCE = "from_source"


@dataclass(slots=True)
class BrandRecord:
    name: str
    country: str
    industry: str
    aliases: list[str]


@dataclass(slots=True)
class MergedFrom:
    """An incident an analyst merged away, which this report belonged to (`merged_from`)."""

    incident: str
    category: str
    key: str | None
    merged_at: datetime
    # Its status when it was merged (IncidentMerge.source_status).
    status: str


@dataclass(slots=True)
class ReportRecord:
    ref: str
    received_at: datetime
    channel: str
    reporter: str
    category: str | None
    url: str
    ip: str
    ports: list[str]
    brand: str
    text: str
    extra: dict[str, Any]
    source: str | None = None
    incident: str | None = None
    # The category of the incident named by `incident`, when an analyst gave it
    # another than this report's (`renkei export` writes it then).
    incident_category: str | None = None
    # The key of that incident, when not the one this report gives it (a merge target
    # whose earliest report came from the incident merged into it).
    incident_key: str | None = None
    # The merges that brought this report into `incident`, the first first: each
    # incident was merged into the next one, the last into `incident`.
    merged_from: tuple[MergedFrom, ...] = ()
    category_origin: str | None = None
    raw: bytes = b""
    position: int | None = None
    # Where the raw bytes were stored (set by the collector before ingest).
    raw_id: int | None = None
    raw_offset: int = 0
    raw_length: int | None = None


@dataclass(slots=True)
class SentText:
    """A notification as renkei sent it: text, delivery, and its own source (`console`)
    when that is not the source of the report its line names."""

    own_source: str = ""
    subject: str = ""
    body: str = ""
    language: str = ""
    error: str = ""
    message_id: str = ""
    attempts: int = 0
    # The contact's e-mail address and the sender's user name; linked on import when
    # this instance has them, else kept in `extra` under these names.
    contact: str = ""
    created_by: str = ""

    def any(self) -> bool:
        return self != SentText()


@dataclass(slots=True)
class NotificationRecord:
    ref: str
    report: str
    sent_at: datetime
    recipient: str
    recipient_country: str
    basis: str
    extra: dict[str, Any]
    source: str | None = None
    position: int | None = None
    status: str = "sent"
    # What a notification sent from the console keeps (`renkei export` writes it), so
    # that a restored one shows what it said and can be sent again.
    sent: SentText | None = None


@dataclass(slots=True)
class NoNotificationRecord:
    report: str
    decided_at: datetime
    reason: str
    extra: dict[str, Any]
    source: str | None = None
    position: int | None = None


@dataclass(slots=True)
class ResolutionRecord:
    report: str
    resolved_at: datetime
    extra: dict[str, Any]
    source: str | None = None
    position: int | None = None


Record = BrandRecord | ReportRecord | NotificationRecord | NoNotificationRecord | ResolutionRecord


@dataclass(slots=True)
class _Fields:
    """The object of one line, consumed key by key; what is left is `extra`."""

    data: dict[str, Any]

    def text(self, name: str, max_length: int = 10_000) -> str:
        # Hot path of bulk import: ~10 calls per line, so kept lean.
        value = self.data.get(name)
        if value.__class__ is str and len(value) <= max_length:
            return value  # type: ignore[no-any-return]
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValidationError(f"field {name!r} must be a string, not {type(value).__name__}")
        raise ValidationError(f"field {name!r} is longer than {max_length} characters")

    def required(self, name: str, max_length: int) -> str:
        value = self.text(name, max_length)
        if not value:
            raise ValidationError(f"missing required field {name!r}")
        return value

    def required_choice(self, name: str, choices: tuple[str, ...]) -> str:
        self.required(name, 100)
        return self.choice(name, choices)

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = self.text(name, 100)
        if value and value not in choices:
            raise ValidationError(f"unknown {name} {value!r}; expected one of {', '.join(choices)}")
        return value

    def incident_ref(self, name: str) -> str | None:
        value = self.text(name, 40)
        if value and not INCIDENT_REF.fullmatch(value):
            raise ValidationError(
                f"{name} {value!r} is not an incident ref (I- and 10 Crockford base32 characters)"
            )
        return value or None

    def count(self, name: str) -> int:
        value = self.data.get(name)
        if value is None:
            return 0
        # At most what every database stores in an integer column: larger failed the
        # whole batch on PostgreSQL instead of this line.
        if value.__class__ is not int or not 0 <= value <= 2**31 - 1:
            raise ValidationError(f"field {name!r} must be a whole number from 0 to {2**31 - 1}")
        return value  # type: ignore[no-any-return]

    def timestamp(self, name: str) -> datetime:
        return parse_timestamp(self.required(name, 64), name)

    def strings(self, name: str) -> list[str]:
        value = self.data.get(name)
        if not value:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(f"field {name!r} must be a list of strings")
        return value

    def leftovers(self, known: frozenset[str]) -> dict[str, Any]:
        if self.data.keys() <= known:
            return {}
        return {k: v for k, v in self.data.items() if k not in known}


def parse_timestamp(value: str, name: str = "timestamp") -> datetime:
    try:
        # RFC 3339 §5.6 allows a lower-case "t" and "z", which fromisoformat refuses;
        # they are its only letters, so upper-casing changes nothing else.
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        raise ValidationError(f"{name} {value!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        raise ValidationError(f"{name} {value!r} has no UTC offset (add Z or +09:00)")
    # In UTC, times share one tzinfo: comparing and hashing them (dedup windows,
    # storage) skips the offset arithmetic that mixed offsets need.
    return in_range(parsed, name)


def _brand(f: _Fields) -> BrandRecord:
    country = f.text("country", 2).upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise ValidationError(f"country {country!r} is not an ISO 3166-1 alpha-2 code")
    return BrandRecord(
        name=f.required("name", 200),
        country=country,
        industry=f.choice("industry", INDUSTRIES) or "other",
        aliases=f.strings("aliases"),
    )


def _report(f: _Fields) -> ReportRecord:
    return ReportRecord(
        ref=f.required("ref", 200),
        received_at=f.timestamp("received_at"),
        channel=f.choice("channel", CHANNELS) or "feed",
        reporter=f.text("reporter", 200),
        category=f.choice("category", CATEGORIES) or None,
        url=f.text("url", UNBOUNDED),
        ip=f.text("ip", 100),
        ports=f.strings("ports"),
        brand=f.text("brand", 200),
        text=f.text("text", UNBOUNDED),
        source=f.text("source", 200) or None,
        incident=f.incident_ref("incident"),
        incident_category=f.choice("incident_category", CATEGORIES) or None,
        incident_key=f.text("incident_key", 2048) or None,
        merged_from=_merged_from(f),
        category_origin=f.choice("category_origin", CATEGORY_ORIGINS) or None,
        extra={},
    )


def _merged_from(f: _Fields) -> tuple[MergedFrom, ...]:
    value = f.data.get("merged_from")
    if not value:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValidationError("field 'merged_from' must be a list of objects")
    line_incident = f.incident_ref("incident")
    if line_incident is None:
        raise ValidationError("field 'merged_from' needs 'incident', the incident merged into")
    chain = tuple(_merge_step(_Fields(item)) for item in value)
    refs = [step.incident for step in chain]
    if len({*refs, line_incident}) != len(refs) + 1:
        raise ValidationError("field 'merged_from' names an incident twice")
    return chain


def _merge_step(f: _Fields) -> MergedFrom:
    incident = f.incident_ref("incident")
    if incident is None:
        raise ValidationError("missing required field 'incident' in 'merged_from'")
    return MergedFrom(
        incident=incident,
        category=f.required_choice("category", CATEGORIES),
        key=f.text("key", 2048) or None,
        merged_at=f.timestamp("merged_at"),
        status=f.choice("status", STATUSES_BEFORE_MERGE) or "open",
    )


def _notification(f: _Fields) -> NotificationRecord:
    country = f.text("recipient_country", 2).upper()
    return NotificationRecord(
        ref=f.required("ref", 200),
        report=f.required("report", 200),
        sent_at=f.timestamp("sent_at"),
        recipient=f.required("recipient", 320),
        recipient_country=country,
        basis=f.choice("basis", BASES),
        status=f.choice("status", NOTIFICATION_STATUSES) or "sent",
        source=f.text("source", 200) or None,
        sent=_sent_text(f),
        extra={},
    )


def _sent_text(f: _Fields) -> SentText | None:
    sent = SentText(
        own_source=f.text("notification_source", 200),
        subject=f.text("subject"),
        body=f.text("body", UNBOUNDED),
        language=f.text("language", 8),
        error=f.text("error"),
        message_id=f.text("message_id", 300),
        attempts=f.count("attempts"),
        contact=f.text("contact", 320),
        created_by=f.text("created_by", 150),
    )
    # Most notification lines (sent elsewhere) have none of it: no object to carry.
    return sent if sent.any() else None


def _no_notification(f: _Fields) -> NoNotificationRecord:
    return NoNotificationRecord(
        report=f.required("report", 200),
        decided_at=f.timestamp("decided_at"),
        reason=f.required_choice("reason", REASONS),
        source=f.text("source", 200) or None,
        extra={},
    )


def _resolution(f: _Fields) -> ResolutionRecord:
    return ResolutionRecord(
        report=f.required("report", 200),
        resolved_at=f.timestamp("resolved_at"),
        source=f.text("source", 200) or None,
        extra={},
    )


_PARSERS: dict[str, Callable[[_Fields], Record]] = {
    "brand": _brand,
    "report": _report,
    "notification": _notification,
    "no_notification": _no_notification,
    "resolution": _resolution,
}
KINDS = tuple(_PARSERS)
# The fields each kind reads; anything else on a line is kept as extra data.
_KNOWN = {
    "report": frozenset({"kind", "ref", "received_at", "channel", "reporter", "category", "url",
                         "ip", "ports", "brand", "text", "source", "incident",
                         "incident_category", "category_origin", "incident_key",
                         "merged_from"}),
    "notification": frozenset({"kind", "ref", "report", "sent_at", "recipient",
                               "recipient_country", "basis", "source", "status",
                               "notification_source", "subject", "body", "language", "error",
                               "message_id", "attempts", "contact", "created_by"}),
    "no_notification": frozenset({"kind", "report", "decided_at", "reason", "source"}),
    "resolution": frozenset({"kind", "report", "resolved_at", "source"}),
}  # fmt: skip


def _may_hold_nul(line: bytes | str) -> bool:
    # JSON spells NUL `\u0000` (a raw one is invalid): a cheap test of the whole line.
    return (b"\\u0000" in line) if isinstance(line, bytes) else ("\\u0000" in line)


def _not_json(line: bytes | str, exc: orjson.JSONDecodeError) -> str:
    """Why a line is not JSON; for bytes that are not UTF-8, which byte is the first
    wrong one: orjson says 'surrogates not allowed' at column 1, wherever it is."""
    if isinstance(line, bytes):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as bad:
            return (
                f"not UTF-8: byte 0x{line[bad.start]:02X} at byte {bad.start + 1} of the line; "
                "the exchange format is UTF-8 (a Shift_JIS file: iconv -f CP932 -t UTF-8)"
            )
    return f"not valid JSON ({exc})"


def parse_line(line: bytes | str, position: int | None = None) -> Record:
    """Turn one line of the exchange format into a record, or raise ValidationError."""
    try:
        # orjson: several times faster than json on the bulk-import hot path.
        data = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(_not_json(line, exc)) from None
    if not isinstance(data, dict):
        raise ValidationError("a line must hold one JSON object")
    refuse_deep_json(data, line)
    kind = data.get("kind")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None or not isinstance(kind, str):
        raise ValidationError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if _may_hold_nul(line):
        # Brands and decisions do not pass the experts, which replace NUL in reports.
        data = json_without_nul(data)
    fields = _Fields(data)
    record = parser(fields)
    if not isinstance(record, BrandRecord):
        record.extra = _server_set_moved_aside(fields.leftovers(_KNOWN[kind]))
        record.position = position
    if isinstance(record, ReportRecord):
        record.raw = line.encode() if isinstance(line, str) else line
    return record


def _server_set_moved_aside(extra: dict[str, Any]) -> dict[str, Any]:
    """A file's own `pgp`, `suggestion` or `decision`, kept under FROM_SOURCE:
    another instance's findings (or anyone's claims), not this one's."""
    if not extra or extra.keys().isdisjoint(SERVER_SET_EXTRA):
        return extra
    kept = {k: v for k, v in extra.items() if k not in SERVER_SET_EXTRA}
    moved = {k: v for k, v in extra.items() if k in SERVER_SET_EXTRA}
    earlier = kept.get(FROM_SOURCE)
    if isinstance(earlier, dict):
        moved = {**earlier, **moved}
    elif earlier is not None:
        moved[FROM_SOURCE] = earlier
    kept[FROM_SOURCE] = moved
    return kept
