"""`renkei import intelmq`: IntelMQ events, one JSON object per line.

IntelMQ's flat field names (`classification.type`, `source.url`, ...) are
mapped to a report. The category follows the Reference Security Incident
Taxonomy (RSIT) `classification.type`, as GLOSSARY.md maps our categories:

| RSIT type | category |
|---|---|
| phishing | phishing |
| scanner | scan |
| ddos, dos | dos |
| malware-distribution | malware_site |
| unauthorised-information-modification (older IntelMQ: defacement) | defacement |
| anything else | other |

Which address is the report's: a scan is about its source (`source.ip`), and
its port is the one probed (`destination.port`; none without it); a
DoS about its target (`destination.ip`, else `destination.fqdn`, else the
event's `source.ip`, which is what single-address DDoS feeds carry); a site
about `source.url`, else `http://<source.fqdn>/`.

Events written with IntelMQ's `hierarchical_output: true` (`{"source": {"ip":
...}}`) are read by the flat names.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, ClassVar

import orjson

from renkei.intake.exchange import ReportRecord
from renkei.intake.feeds.base import FeedImporter, feed_record, parse_utc
from renkei.lib.errors import ValidationError
from renkei.lib.normalize import SITE_CATEGORIES, refuse_deep_json

RSIT_CATEGORIES: dict[str, str] = {
    "phishing": "phishing",
    "scanner": "scan",
    "ddos": "dos",
    "dos": "dos",
    "malware-distribution": "malware_site",
    "unauthorised-information-modification": "defacement",
    "defacement": "defacement",  # IntelMQ before the RSIT alignment (2.x)
}
# Not part of the event's identity: when a collector saw it, and its raw copy.
_VOLATILE = ("time.observation", "raw")
_EXTRA_SKIP = frozenset({"raw"})


def category_for(classification_type: str) -> str:
    return RSIT_CATEGORIES.get(classification_type.strip().lower(), "other")


def event_ref(event: dict[str, Any]) -> str:
    """The same event collected twice (a new `time.observation`) has the same ref."""
    identity = {k: v for k, v in event.items() if k not in _VOLATILE}
    canonical = json.dumps(identity, sort_keys=True, ensure_ascii=False).encode()
    return "intelmq-" + hashlib.blake2b(canonical, digest_size=12).hexdigest()


def _text(event: dict[str, Any], name: str) -> str:
    value = event.get(name)
    if value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value).strip()
    raise ValidationError(f"field {name!r} must be a string or number")


def _site_url(event: dict[str, Any], category: str) -> str:
    url = _text(event, "source.url")
    if url:
        return url
    host = _text(event, "source.fqdn") or _text(event, "source.ip")
    if not host:
        raise ValidationError(f"a {category} event needs source.url or source.fqdn")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address: a URL brackets it (RFC 3986 §3.2.2)
    return f"http://{host}/"


def _scan_fields(event: dict[str, Any]) -> tuple[str, list[str]]:
    ip = _text(event, "source.ip")
    if not ip:
        raise ValidationError("a scanner event needs source.ip")
    # The port probed: a scanner's own source.port is whatever its system picked
    # (kept in extra with the event), and counted it would fill the scanned-port table.
    port = _text(event, "destination.port")
    proto = (_text(event, "protocol.transport") or "tcp").lower()
    return ip, [f"{port}/{proto}"] if port else []


def _dos_fields(event: dict[str, Any]) -> tuple[str, str]:
    ip = _text(event, "destination.ip")
    if ip:
        return "", ip
    fqdn = _text(event, "destination.fqdn")
    if fqdn:
        return f"http://{fqdn}/", ""
    ip = _text(event, "source.ip")
    if not ip:
        raise ValidationError(
            "a ddos/dos event needs destination.ip, destination.fqdn or source.ip"
        )
    return "", ip


def _event_time(event: dict[str, Any]) -> datetime:
    """When the source saw it, else when IntelMQ collected it; a rejection names
    the field the time came from, the one the analyst will look for."""
    for name in ("time.source", "time.observation"):
        value = _text(event, name)
        if value:
            return parse_utc(value, name)
    raise ValidationError("missing time.source and time.observation")


def parse_event(line: bytes) -> dict[str, Any]:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"not valid JSON ({exc})") from None
    try:
        # orjson, as the exchange format: strict JSON. Python's json read NaN (the
        # database refused the batch's `extra`), a lone surrogate (no encoding stores
        # it) and any nesting (RecursionError): a lost batch or an ended import.
        event = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"not valid JSON ({exc})") from None
    if not isinstance(event, dict):
        raise ValidationError("a line must hold one JSON object (an IntelMQ event)")
    refuse_deep_json(event, line)
    return _flat(event) if _is_hierarchical(event) else event


# Sections IntelMQ's `hierarchical_output: true` nests; a flat event never holds
# them as objects, so its fields (and its ref) are left exactly as they were.
_SECTIONS = ("classification", "source", "destination", "time", "feed", "event_description")


def _is_hierarchical(event: dict[str, Any]) -> bool:
    return any(isinstance(event.get(section), dict) for section in _SECTIONS)


def _flat(event: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"source": {"ip": ...}}` as `{"source.ip": ...}`: the same event written
    either way has the same fields, and so the same ref."""
    flat: dict[str, Any] = {}
    for name, value in event.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def event_record(event: dict[str, Any]) -> ReportRecord:
    kind = _text(event, "classification.type")
    if not kind:
        raise ValidationError("missing classification.type")
    category = category_for(kind)
    url, ip = "", ""
    ports: list[str] = []
    if category in SITE_CATEGORIES:
        url = _site_url(event, category)
    elif category == "scan":
        ip, ports = _scan_fields(event)
    elif category == "dos":
        url, ip = _dos_fields(event)
    else:
        url, ip = _text(event, "source.url"), _text(event, "source.ip")
    return feed_record(
        ref=event_ref(event), received_at=_event_time(event),
        reporter=_text(event, "feed.provider") or _text(event, "feed.name") or "intelmq",
        category=category, url=url, ip=ip, ports=ports,
        brand=_text(event, "event_description.target") or _text(event, "extra.target"),
        text=_text(event, "event_description.text") or _text(event, "comment"),
        extra={"intelmq": {k: v for k, v in event.items() if k not in _EXTRA_SKIP}},
    )  # fmt: skip


class IntelmqImporter(FeedImporter):
    format_name: ClassVar[str] = "intelmq"
    content_type: ClassVar[str] = "application/jsonl"
    suffixes: ClassVar[tuple[str, ...]] = (".jsonl", ".json", ".jsonl.gz")

    def parse_row(self, position: int, line: bytes) -> ReportRecord | None:
        return event_record(parse_event(line))
