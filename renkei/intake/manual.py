"""Reports that staff type in: received by FAX or telephone.

They take the same path as every other report: the bytes are stored first
(the scanned FAX page when there is one, otherwise the entered fields as
JSON), then the experts prepare the report and `report_ingest_batch`
joins or opens its incident.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.accounts.access import is_staff
from renkei.accounts.models import User
from renkei.incidents.brands import BrandCatalog
from renkei.intake.exchange import ReportRecord
from renkei.intake.experts import prepare_report
from renkei.intake.models import Report
from renkei.intake.services import raw_report_mark, raw_report_store, report_ingest_batch
from renkei.lib.errors import PermissionDenied, ValidationError

SOURCE = "manual"
MANUAL_CHANNELS = ("fax", "phone")
MAX_SCAN_BYTES = 20 * 1024 * 1024
# Clocks and time zones differ a little; a year typed wrong (2062 for 2026) does not.
MAX_AHEAD = timedelta(days=1)


def _check_entry(*, received_at: datetime, url: str, ip: str, text: str) -> None:
    """What a typed-in report needs to be worth an incident."""
    if not (url.strip() or ip.strip() or text.strip()):
        raise ValidationError(_("Enter at least one of the URL, the IP address or the text."))
    if received_at > timezone.now() + MAX_AHEAD:
        raise ValidationError(
            _("The received-at time %(at)s is in the future; check the date.")
            % {"at": f"{timezone.localtime(received_at):%Y-%m-%d %H:%M}"}
        )


def report_ingest_one(
    *,
    actor: User,
    channel: str,
    received_at: datetime,
    category: str | None,
    url: str = "",
    ip: str = "",
    ports: list[str] | None = None,
    brand: str = "",
    reporter: str = "",
    text: str = "",
    scan: bytes | None = None,
    scan_content_type: str = "",
) -> Report:
    """Record one report received by FAX or telephone; returns the stored report."""
    if not is_staff(actor):
        raise PermissionDenied("only center staff enter reports by hand")
    if channel not in MANUAL_CHANNELS:
        raise ValidationError(
            _("The channel must be one of %(channels)s.") % {"channels": ", ".join(MANUAL_CHANNELS)}
        )
    if scan is not None and len(scan) > MAX_SCAN_BYTES:
        raise ValidationError(_("The scanned page is larger than 20 MB."))
    _check_entry(received_at=received_at, url=url, ip=ip, text=text)
    record = ReportRecord(
        ref=f"M-{received_at:%Y%m%d}-{secrets.token_hex(5)}",
        received_at=received_at,
        channel=channel,
        reporter=reporter,
        category=category or None,
        url=url,
        ip=ip,
        ports=ports or [],
        brand=brand,
        text=text,
        extra={"entered_by": actor.username},
        source=SOURCE,
    )
    if scan:
        content, content_type = scan, scan_content_type or "application/octet-stream"
    else:
        fields = {
            "channel": channel,
            "received_at": received_at.isoformat(),
            "category": category,
            "url": url,
            "ip": ip,
            "ports": ports or [],
            "brand": brand,
            "reporter": reporter,
            "text": text,
            "entered_by": actor.username,
        }
        content = json.dumps(fields, ensure_ascii=False).encode("utf-8")
        content_type = "application/json"
    raw = raw_report_store(
        channel=channel, source=SOURCE, content=content, content_type=content_type
    )
    record.raw_id, record.raw_offset, record.raw_length = raw.pk, 0, None
    try:
        prepared = prepare_report(record, source=SOURCE, brands=BrandCatalog())
    except ValidationError as exc:
        # The raw report keeps the reason as lib wrote it; the page says what failed.
        raw_report_mark(raw.pk, status="failed", error=exc.message)
        message = _("The report could not be read: %(reason)s") % {"reason": exc.message}
        raise ValidationError(message) from None
    result = report_ingest_batch(prepared=[prepared], actor=actor)
    raw_report_mark(raw.pk, status="parsed")
    return Report.objects.select_related("incident").get(
        pk=result.created[(SOURCE, record.ref)].report_id
    )
