"""Hand-made records for small tests of each counting rule."""

from __future__ import annotations

from datetime import datetime
from itertools import count

from django.utils import timezone

from renkei.coordination.models import NoNotification, Notification, NotificationStatus, Resolution
from renkei.incidents.models import Brand, Incident, IncidentPort
from renkei.intake.models import RawReport, Report

_refs = count(1)


def _raw() -> RawReport:
    raw = RawReport.objects.filter(source="test").first()
    return raw or RawReport.objects.create(
        stored_at=timezone.now(), channel="web", source="test", content=b""
    )


def brand(name: str, country: str = "JP", industry: str = "finance") -> Brand:
    return Brand.objects.create(
        name=name, name_key=name.casefold(), country=country, industry=industry
    )


def report(at: datetime, incident: Incident) -> Report:
    return Report.objects.create(
        raw=_raw(), source="test", ref=f"r{next(_refs)}", received_at=at, channel="web",
        category=incident.category, incident=incident, brand=incident.brand,
    )  # fmt: skip


def incident(
    category: str, at: datetime, *, brand: Brand | None = None, ports: tuple[str, ...] = (),
    **fields: object,
) -> Incident:  # fmt: skip
    """An incident first reported at `at`, with that first report."""
    made = Incident.objects.create(
        category=category, first_report_at=at, last_report_at=at, report_count=1, brand=brand,
        ports=list(ports), **fields,
    )  # fmt: skip
    for value in ports:
        port, protocol = value.split("/")
        IncidentPort.objects.create(incident=made, port=int(port), protocol=protocol)
    report(at, made)
    return made


def recorded_since(at: datetime) -> Incident:
    """The records begin at `at` (a report then): a comparison period wholly after it
    is known, one before it is not (figures.py)."""
    return incident("other", at)


def notify(
    target: Incident, at: datetime, *, country: str = "JP", basis: str = "", status: str = "sent"
) -> Notification:
    return Notification.objects.create(
        source="test", ref=f"n{next(_refs)}", incident=target, sent_at=at,
        recipient="abuse@example.net", recipient_country=country, basis=basis,
        status=status or NotificationStatus.SENT,
    )  # fmt: skip


def decide(target: Incident, at: datetime, reason: str) -> NoNotification:
    return NoNotification.objects.create(incident=target, decided_at=at, reason=reason)


def resolve(target: Incident, at: datetime) -> Resolution:
    return Resolution.objects.create(incident=target, resolved_at=at)
