"""The public web form's collector: store the submission first, then the report.

What the form received (its fields, the attachments' names, types and
hashes, the client's address and language) is stored as a JSON RawReport
before anything else; the attachments themselves are stored as Attachment
rows of that raw report. The reporter gets a tracking reference at once,
even if a later step fails (the failure is recorded on the raw report).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from renkei.incidents.models import new_incident_ref
from renkei.intake.attachments import (
    Attachment,
    IncomingFile,
    attachment_summary,
    attachments_build,
    attachments_save,
)
from renkei.intake.brandmatch import brand_matcher
from renkei.intake.exchange import ReportRecord
from renkei.intake.experts import prepare_fields
from renkei.intake.models import RawReport, RawStatus, Report
from renkei.intake.parsers.mail import observables_json
from renkei.intake.services import raw_report_mark, raw_report_store, report_ingest_batch
from renkei.intake.suggest import Clues, Suggestion, ports_in, suggest
from renkei.lib.archives import candidate_passwords
from renkei.lib.observables import extract_observables

log = logging.getLogger(__name__)
WEB_SOURCE = "web"


@dataclass(frozen=True)
class WebSubmission:
    category: str
    url: str
    ip: str
    description: str
    contact_email: str
    contact_requested: bool
    language: str
    client: str
    files: tuple[IncomingFile, ...] = ()


def tracking_ref() -> str:
    """What the reporter quotes when they write to us: W- and ten base32 characters."""
    return "W-" + new_incident_ref().removeprefix("I-")


def _raw_content(ref: str, form: WebSubmission) -> bytes:
    document = {
        "ref": ref, "category": form.category, "url": form.url, "ip": form.ip,
        "description": form.description, "contact_email": form.contact_email,
        "contact_requested": form.contact_requested, "language": form.language,
        "client": form.client,
        "attachments": [
            {"filename": f.filename, "content_type": f.content_type, "size": len(f.data),
             "sha256": hashlib.sha256(f.data).hexdigest()}
            for f in form.files
        ],
    }  # fmt: skip
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def web_receive(form: WebSubmission) -> str:
    """Store one submission; its tracking reference. Raises only if nothing was stored."""
    ref = tracking_ref()
    raw = raw_report_store(
        channel="web", source=WEB_SOURCE, content=_raw_content(ref, form),
        content_type="application/json",
    )  # fmt: skip
    try:
        # Outside the transaction: archives can take seconds to list, and the database
        # must not stay locked for other writers meanwhile.
        passwords = candidate_passwords(form.description)
        attachments = attachments_build(form.files, raw=raw, passwords=passwords)
        _ingest(raw, ref, form, attachments)
    except Exception as exc:
        log.exception("web submission %s (raw %s) could not be processed", ref, raw.pk)
        raw_report_mark(raw.pk, status=RawStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        raw_report_mark(raw.pk, status=RawStatus.PARSED)
    return ref


def _suggestion(form: WebSubmission) -> tuple[Suggestion, dict[str, Any]]:
    observables = extract_observables(f"{form.url}\n{form.ip}\n{form.description}")
    clues = Clues(
        text=form.description, links=[form.url] if form.url else [], urls=observables.urls,
        ips=observables.ip_flags,
    )  # fmt: skip
    return suggest(clues, brand_matcher()), observables_json(observables)


def _record(raw: RawReport, ref: str, form: WebSubmission) -> ReportRecord:
    suggestion, observables = _suggestion(form)
    brand = suggestion.brand.name if suggestion.brand and form.category == "phishing" else ""
    extra: dict[str, Any] = {
        "contact_email": form.contact_email,
        "contact_requested": form.contact_requested,
        "web": {"language": form.language},
        "observables": observables,
        "suggestion": suggestion.as_json(),
    }
    return ReportRecord(
        ref=ref, received_at=raw.stored_at, channel="web", reporter=form.contact_email,
        category=form.category, url=form.url, ip=form.ip,
        ports=ports_in(form.description) if form.category == "scan" else [],
        brand=brand, text=form.description, extra=extra, source=WEB_SOURCE, raw_id=raw.pk,
    )  # fmt: skip


@transaction.atomic
def _ingest(raw: RawReport, ref: str, form: WebSubmission, attachments: list[Attachment]) -> None:
    record = _record(raw, ref, form)
    prepared = prepare_fields(record, source=WEB_SOURCE)
    suggested = record.extra["suggestion"].get("brand")
    if record.brand and suggested:
        prepared.brand_id = suggested["id"]
    result = report_ingest_batch(
        prepared=[prepared], actor=None, actor_label="web form",
    )  # fmt: skip
    report = Report.objects.get(pk=result.created[(WEB_SOURCE, ref)].report_id)
    if attachments:
        saved = attachments_save(attachments, report=report)
        report.extra["attachments"] = [attachment_summary(a) for a in saved]
        report.save(update_fields=["extra"])
