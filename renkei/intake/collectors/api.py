"""The HTTP API's collector: one request is one raw report, its reports go in together.

The request body is stored as received first. Each report in it is then
checked by the experts; good ones are ingested in one transaction, bad ones
are answered with their index and reason (and listed on the raw report), so
a client can fix and resend only those. Refs are unique per API user (the
source is `api:<username>`), so resending a batch adds nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from renkei.accounts.models import User
from renkei.incidents.brands import BrandCatalog
from renkei.incidents.models import Incident, new_incident_ref
from renkei.intake.exchange import ReportRecord
from renkei.intake.experts import PreparedReport, prepare_fields
from renkei.intake.models import RawReport, RawStatus
from renkei.intake.services import raw_report_mark, raw_report_store, report_ingest_batch
from renkei.lib.errors import ValidationError


@dataclass
class ApiReport:
    """One report as the API schema validated it."""

    ref: str | None = None
    received_at: datetime | None = None
    category: str | None = None
    url: str = ""
    ip: str = ""
    ports: list[str] = field(default_factory=list)
    brand: str = ""
    text: str = ""
    reporter: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ApiResult:
    index: int
    ref: str
    status: str  # "created", "duplicate" or "rejected"
    report_id: int | None = None
    incident: str | None = None
    reason: str = ""


def api_source(user: User) -> str:
    return f"api:{user.get_username()}"


def api_raw_store(user: User, body: bytes) -> RawReport:
    return raw_report_store(
        channel="api", source=api_source(user), content=body, content_type="application/json"
    )


def _record(item: ApiReport, raw: RawReport, user: User) -> ReportRecord:
    return ReportRecord(
        ref=item.ref or "A-" + new_incident_ref().removeprefix("I-"),
        received_at=item.received_at or raw.stored_at, channel="api",
        reporter=item.reporter or user.get_username(), category=item.category, url=item.url,
        ip=item.ip, ports=list(item.ports), brand=item.brand, text=item.text,
        extra=dict(item.extra), source=api_source(user), raw_id=raw.pk,
    )  # fmt: skip


def _prepare(
    items: list[ApiReport], raw: RawReport, user: User
) -> tuple[list[tuple[int, PreparedReport]], list[ApiResult]]:
    # API callers may name any brand; only the catalog's own are linked.
    brands = BrandCatalog(create_unknown=False)
    prepared, rejected = [], []
    for index, item in enumerate(items):
        record = _record(item, raw, user)
        try:
            ready = prepare_fields(record, source=record.source or api_source(user))
            ready.brand_id = brands.resolve(record.brand) if record.brand else None
        except ValidationError as exc:
            rejected.append(ApiResult(index, record.ref, "rejected", reason=exc.message))
            continue
        prepared.append((index, ready))
    return prepared, rejected


def api_receive(user: User, raw: RawReport, items: list[ApiReport]) -> list[ApiResult]:
    """Ingest the reports of one stored request; a result per report, in order."""
    with transaction.atomic():
        prepared, results = _prepare(items, raw, user)
        ingest = report_ingest_batch(
            prepared=[p for _, p in prepared], actor=user,
        )  # fmt: skip
    incident_ids = {r.incident_id for r in ingest.created.values()}
    refs = dict(Incident.objects.filter(pk__in=incident_ids).values_list("id", "ref"))
    # By identity: a ref sent twice in one batch is stored once, from its first item.
    duplicates = {id(item) for item in ingest.duplicates}
    for index, item in prepared:
        created = ingest.created.get((item.source, item.record.ref))
        if created is None or id(item) in duplicates:
            results.append(ApiResult(index, item.record.ref, "duplicate"))
        else:
            incident = refs.get(created.incident_id)
            results.append(
                ApiResult(index, item.record.ref, "created", created.report_id, incident)
            )
    results.sort(key=lambda r: r.index)
    _mark(raw, results)
    return results


def _mark(raw: RawReport, results: list[ApiResult]) -> None:
    rejected = [r for r in results if r.status == "rejected"]
    everything_rejected = bool(rejected) and len(rejected) == len(results)
    status = RawStatus.FAILED if everything_rejected else RawStatus.PARSED
    reasons = "; ".join(f"#{r.index} {r.ref}: {r.reason}" for r in rejected[:100])
    raw_report_mark(raw.pk, status=status, error=reasons)


def api_reject_request(user: User, body: bytes, reason: str) -> None:
    """A request the schema refused: kept as a failed raw report with the reason."""
    raw = api_raw_store(user, body)
    raw_report_mark(raw.pk, status=RawStatus.FAILED, error=reason[:2000])
