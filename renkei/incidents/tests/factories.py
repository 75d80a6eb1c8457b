"""Reports for tests, through the same pipeline every intake path uses."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

from renkei.incidents.brands import BrandCatalog
from renkei.intake.exchange import ReportRecord, parse_timestamp
from renkei.intake.experts import prepare_report
from renkei.intake.models import Report
from renkei.intake.services import raw_report_store, report_ingest_batch

_refs = itertools.count(1)


def ingest(
    *,
    at: str | datetime = "2025-04-01T10:00:00+09:00",
    category: str | None = "phishing",
    url: str = "",
    ip: str = "",
    brand: str = "",
    text: str = "",
    ports: list[str] | None = None,
    channel: str = "web",
    reporter: str = "reporter-1",
    source: str = "test",
) -> Report:
    received_at = parse_timestamp(at) if isinstance(at, str) else at
    ref = f"t{next(_refs):07d}"
    fields: dict[str, Any] = {
        "kind": "report",
        "ref": ref,
        "url": url,
        "ip": ip,
        "brand": brand,
        "text": text,
        "category": category,
        "ports": ports or [],
    }
    content = json.dumps(fields, ensure_ascii=False).encode()
    raw = raw_report_store(
        channel=channel, source=source, content=content, content_type="application/json"
    )
    record = ReportRecord(
        ref=ref,
        received_at=received_at,
        channel=channel,
        reporter=reporter,
        category=category,
        url=url,
        ip=ip,
        ports=ports or [],
        brand=brand,
        text=text,
        extra={},
        source=source,
        raw_id=raw.pk,
        raw_offset=0,
        raw_length=len(content),
    )
    prepared = prepare_report(record, source=source, brands=BrandCatalog())
    result = report_ingest_batch(prepared=[prepared])
    return Report.objects.select_related("incident").get(pk=result.created[(source, ref)].report_id)
