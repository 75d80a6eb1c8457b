"""Experts: small steps that turn a parsed report into a prepared one.

Each expert does one thing (refang/normalize, classify, brand, key), as
IntelMQ's experts do, but in-process and over a whole batch.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from dataclasses import dataclass, field

from renkei.incidents.brands import BrandCatalog
from renkei.intake.exchange import ReportRecord
from renkei.lib.errors import ValidationError
from renkei.lib.normalize import (
    SITE_CATEGORIES,
    canonical_ip,
    json_without_nul,
    normalize_host,
    normalize_url,
    parse_port,
    without_nul,
)
from renkei.lib.timestamps import in_range

# The same site is reported many times; NormalizedUrl is immutable, so share it.
_normalize_url = functools.lru_cache(maxsize=65_536)(normalize_url)

# PostgreSQL cannot index a btree value much over 2,700 bytes; longer keys
# are replaced by their digest, which keeps equality (all dedup needs).
MAX_KEY_LENGTH = 1000


@dataclass(slots=True)
class PreparedReport:
    record: ReportRecord
    source: str
    category: str = "other"
    category_origin: str = "reporter"
    url: str = ""
    host: str = ""
    url_key: str = ""
    ip: str = ""
    ports: list[tuple[int, str]] = field(default_factory=list)
    ports_text: list[str] = field(default_factory=list)  # "22/tcp", as stored
    brand_id: int | None = None
    key: str | None = None


def classify(record: ReportRecord) -> str:
    """The category when the reporter gave none: a cautious guess, recorded as such."""
    if record.ports:
        return "scan"
    if record.url and record.brand:
        return "phishing"
    return "other"


def replace_nul(record: ReportRecord) -> None:
    """NUL characters (U+0000) become U+FFFD: PostgreSQL cannot store them.

    Every channel's reports pass here before their text becomes fields; the
    raw report keeps the bytes as they came.
    """
    record.ref, record.reporter = without_nul(record.ref), without_nul(record.reporter)
    record.url, record.ip = without_nul(record.url), without_nul(record.ip)
    record.brand, record.text = without_nul(record.brand), without_nul(record.text)
    if record.source:
        record.source = without_nul(record.source)
    if record.incident:
        record.incident = without_nul(record.incident)
    if record.extra:
        record.extra = json_without_nul(record.extra)


# What a report's identifying fields may hold (the columns' sizes): a longer value
# is refused here, for every channel, not by the database for the whole batch.
_LONGEST = 200


def fit_columns(record: ReportRecord) -> None:
    """Refuse a ref, source or brand too long to store; cut a reporter's label to size."""
    for name in ("ref", "source", "brand"):
        value = getattr(record, name) or ""
        if len(value) > _LONGEST:
            raise ValidationError(f"{name} is longer than {_LONGEST} characters")
    record.reporter = record.reporter[:_LONGEST]


def normalize_fields(prepared: PreparedReport) -> None:
    record = prepared.record
    if record.url:
        normalized = _normalize_url(record.url)
        prepared.url, prepared.host = normalized.url, normalized.host
        prepared.url_key = normalized.key
    if record.ip:
        prepared.ip = canonical_ip(record.ip)
    if record.ports:
        prepared.ports = [parse_port(port) for port in record.ports]
        prepared.ports_text = [f"{port}/{proto}" for port, proto in prepared.ports]


def compute_key(prepared: PreparedReport) -> str | None:
    category, record = prepared.category, prepared.record
    if category in SITE_CATEGORIES:
        if not record.url:
            raise ValidationError(f"a {category} report needs a url")
        key = prepared.url_key
    elif category == "scan":
        if not prepared.ip:
            raise ValidationError("a scan report needs the source ip")
        key = prepared.ip
    elif category == "dos":
        if not (prepared.ip or prepared.host or record.url):
            raise ValidationError("a dos report needs the target ip or url")
        key = prepared.ip or prepared.host or normalize_host(record.url)
    else:
        return None
    if len(key) > MAX_KEY_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def key_in_category(prepared: PreparedReport, category: str) -> str | None:
    """The key the report would give an incident of `category`; None when it has none.

    An incident an analyst reclassified keeps the key of its first report in its new
    category (incidents.services._key_for), or none when the report cannot give one.
    """
    if category == prepared.category:
        return prepared.key
    try:
        return compute_key(dataclasses.replace(prepared, category=category))
    except ValidationError:  # NormalizationError too
        return None


def prepare_fields(record: ReportRecord, *, source: str) -> PreparedReport:
    """The experts that need no database: normalize, classify, key.

    Raises ValidationError for bad values.
    """
    replace_nul(record)
    fit_columns(record)
    in_range(record.received_at, "received_at")  # API clients and mail servers set it too
    prepared = PreparedReport(record=record, source=record.source or source)
    normalize_fields(prepared)
    if record.category:
        prepared.category = record.category
        prepared.category_origin = record.category_origin or "reporter"
    else:
        prepared.category, prepared.category_origin = classify(record), "classifier"
    prepared.key = compute_key(prepared)
    return prepared


def prepare_report(record: ReportRecord, *, source: str, brands: BrandCatalog) -> PreparedReport:
    """Run every expert over one report; raises ValidationError for bad values."""
    prepared = prepare_fields(record, source=source)
    prepared.brand_id = brands.resolve(record.brand) if record.brand else None
    return prepared
