"""The analyst's decision on a report's category and brand: it wins, and it is audited.

The classifier's suggestion stays in `Report.extra["suggestion"]` next to
the decision, so the record shows what was proposed, what was decided, by
whom and when. A report that is the only one of its incident carries the
incident with it (category, key, brand); an incident with other reports
takes the decided brand but keeps its category and key, since moving one
report between incidents is the incident tools' work (merge/split).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.incidents.models import Brand, Incident
from renkei.incidents.services import incident_classify, incident_recompute
from renkei.intake.exchange import ReportRecord
from renkei.intake.experts import PreparedReport, compute_key
from renkei.intake.models import Report
from renkei.lib.errors import PermissionDenied, ValidationError
from renkei.lib.normalize import CATEGORIES, canonical_ip, normalize_url


def _state(report: Report) -> dict[str, Any]:
    return {
        "category": report.category,
        "category_origin": report.category_origin,
        "brand": report.brand.name if report.brand else None,
    }


def _key(report: Report, category: str) -> str | None:
    """The incident key the report would have in `category` (ValidationError if it cannot)."""
    record = ReportRecord(
        ref=report.ref, received_at=report.received_at, channel=report.channel,
        reporter=report.reporter, category=category, url=report.url_as_received or report.url,
        ip=report.ip, ports=list(report.ports), brand="", text="", extra={},
    )  # fmt: skip
    prepared = PreparedReport(record=record, source=report.source, category=category)
    if record.url:
        prepared.url_key = normalize_url(record.url).key
    prepared.ip = canonical_ip(report.ip) if report.ip else ""
    return compute_key(prepared)


def _carry_incident(actor: User, report: Report) -> bool:
    """The incident of a lone report follows it (its own service audits the category);
    an incident of several takes the brand decided (`incident_recompute`)."""
    incident = Incident.objects.select_for_update(of=("self",)).get(pk=report.incident_id)
    if incident.report_count != 1:
        brand_before = incident.brand_id
        return incident_recompute(incident).brand_id != brand_before
    incident_classify(actor=actor, incidents=[incident], category=report.category)
    if incident.brand_id != report.brand_id:
        # updated_at too: the API's feed of changes goes by it.
        Incident.objects.filter(pk=incident.pk).update(
            brand=report.brand, updated_at=timezone.now()
        )
    return True


@transaction.atomic
def report_classify(
    *, actor: User, report: Report, category: str, brand: Brand | None = None
) -> Report:
    """Set the category (and brand) as the analyst decided."""
    if not actor.is_center_staff:
        raise PermissionDenied("only center staff decide a report's category")
    if category not in CATEGORIES:
        raise ValidationError(f"unknown category {category!r}")
    # of=self: PostgreSQL cannot lock the nullable side of the brand outer join.
    report = (
        Report.objects.select_for_update(of=("self",)).select_related("brand").get(pk=report.pk)
    )
    key = _key(report, category)
    before = _state(report)
    report.category, report.category_origin, report.brand = category, "analyst", brand
    report.incident_key = key
    suggestion = report.extra.get("suggestion", {})
    decision = {
        "category": category, "brand": brand.name if brand else None,
        "by": actor.get_username(), "at": timezone.now().isoformat(),
        "agrees_with_suggestion": suggestion.get("category") == category,
    }  # fmt: skip
    report.extra = {**report.extra, "decision": decision}
    report.save(update_fields=["category", "category_origin", "brand", "incident_key", "extra"])
    carried = _carry_incident(actor, report)
    audit_log(
        actor=actor, action="report.classify", obj=report, before=before,
        after={**_state(report), "incident_updated": carried,
               "suggested": suggestion.get("category")},
    )  # fmt: skip
    return report
