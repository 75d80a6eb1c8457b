"""The e-mail collector: every received message goes through `email_receive`.

`renkei smtpd` (LMTP/SMTP), `renkei fetchmail` (IMAP) and the .eml upload
all call it. The order is the guarantee:

1. the message's bytes are stored as a RawReport and committed, before
   anything looks inside them (`raw_report_store`);
2. OpenPGP: a message encrypted to the center is decrypted (the plaintext
   is stored as a second RawReport; the encrypted one stays as it came),
   signatures are verified;
3. parse (`lib/mime.py`), observables, attachments (hashed, typed, archives
   listed), category and brand suggestion;
4. one report through `report_ingest_batch`, with its attachments, in one
   transaction. A reply carrying a ticket tag `[renkei#I-…]`, or answering
   a notification's Message-ID (In-Reply-To, References), joins that
   incident instead of opening one.

A message that breaks any step after 1 is marked failed with the reason on
its RawReport; the collector itself never raises for a message's content.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from renkei.accounts.models import User
from renkei.coordination.models import Notification
from renkei.incidents.models import Incident
from renkei.intake.attachments import (
    Attachment,
    attachment_summary,
    attachments_build,
)
from renkei.intake.brandmatch import brand_matcher
from renkei.intake.exchange import ReportRecord
from renkei.intake.experts import PreparedReport, prepare_fields
from renkei.intake.models import RawReport, RawStatus, Report
from renkei.intake.parsers.mail import MailReport, observables_json, parse_mail, received_time
from renkei.intake.parsers.pgp import PgpResult, pgp_unwrap, signer_matches_from
from renkei.intake.services import raw_report_mark, raw_report_store, report_ingest_batch
from renkei.intake.suggest import Suggestion, suggest
from renkei.lib.errors import ValidationError
from renkei.lib.mime import ParsedMessage, parse_message

log = logging.getLogger(__name__)

# One namespace for refs whatever the mailbox: the same message delivered by
# LMTP and fetched over IMAP is one report.
MAIL_SOURCE = "email"
MESSAGE_RFC822 = "message/rfc822"
# Only the header block of a message (RFC 6522): what is kept of one too large to fetch.
MESSAGE_HEADERS = "text/rfc822-headers"


@dataclass
class MailOutcome:
    raw_id: int
    status: str  # "created", "duplicate" or "failed"
    report_id: int | None = None
    incident_ref: str = ""
    completeness: str = ""
    error: str = ""


def message_ref(raw: bytes) -> str:
    """The same bytes are the same report (a redelivery, a second mailbox)."""
    return "mail-" + hashlib.sha256(raw).hexdigest()[:40]


def email_receive(
    raw: bytes, *, collector: str, received_at: datetime | None = None,
    actor: User | None = None, envelope: dict[str, Any] | None = None,
    imap: dict[str, Any] | None = None,
) -> MailOutcome:  # fmt: skip
    """Store one message as received, then turn it into a report.

    Raises only when the raw message could not be stored (the caller must
    then not acknowledge it: an MTA retries, fetchmail takes it again at its next poll).
    """
    stored = email_store(
        raw, collector=collector, received_at=received_at, envelope=envelope, imap=imap
    )
    return email_process(
        stored, collector=collector, received_at=received_at, actor=actor, envelope=envelope
    )


def email_store(
    raw: bytes, *, collector: str, received_at: datetime | None = None,
    envelope: dict[str, Any] | None = None, imap: dict[str, Any] | None = None,
) -> RawReport:  # fmt: skip
    """The message's bytes and how it arrived, committed before any parsing."""
    return raw_report_store(
        channel="email", source=MAIL_SOURCE, content=raw, content_type=MESSAGE_RFC822,
        arrival=_arrival(collector, received_at, envelope, imap),
    )  # fmt: skip


def email_store_headers_only(
    headers: bytes, *, reason: str, collector: str, received_at: datetime | None = None,
    imap: dict[str, Any] | None = None,
) -> RawReport:  # fmt: skip
    """What is kept of a message a collector could not refuse but would not take
    whole (IMAP: over RENKEI_MAIL_MAX_BYTES, and already in the mailbox): its
    header block, stored failed with the reason for analysts to see."""
    return raw_report_store(
        channel="email", source=MAIL_SOURCE, content=headers, content_type=MESSAGE_HEADERS,
        arrival=_arrival(collector, received_at, None, imap), status=RawStatus.FAILED,
        error=reason[:2000],
    )  # fmt: skip


def _arrival(
    collector: str, received_at: datetime | None, envelope: dict[str, Any] | None,
    imap: dict[str, Any] | None,
) -> dict[str, Any]:  # fmt: skip
    arrival: dict[str, Any] = {
        "collector": collector,
        "received_at": received_at.isoformat() if received_at else None,
        "envelope": envelope or {},
    }
    if imap is not None:  # where it sits on the server, so that a later poll knows it
        arrival["imap"] = imap
    return arrival


def email_process(
    raw: RawReport, *, collector: str, received_at: datetime | None = None,
    actor: User | None = None, envelope: dict[str, Any] | None = None,
) -> MailOutcome:  # fmt: skip
    """Everything after storage; never raises for what the message contains.

    Processed again (an analyst, after a failure), the message keeps what its
    arrival recorded: the delivery time, the envelope, the collector it came by.
    """
    arrival = raw.arrival if isinstance(raw.arrival, dict) else {}
    context = _Context(
        collector, received_at or _arrival_time(arrival), actor,
        envelope or arrival.get("envelope") or {}, str(arrival.get("collector") or collector),
    )  # fmt: skip
    try:
        outcome = _process(raw, context)
    except Exception as exc:
        log.exception("e-mail raw report %s could not be processed", raw.pk)
        reason = f"{type(exc).__name__}: {exc}"[:2000]
        raw_report_mark(raw.pk, status=RawStatus.FAILED, error=reason)
        return MailOutcome(raw_id=raw.pk, status="failed", error=reason)
    raw_report_mark(raw.pk, status=outcome_status(outcome), error=outcome.error)
    return outcome


def outcome_status(outcome: MailOutcome) -> str:
    return RawStatus.FAILED if outcome.status == "failed" else RawStatus.PARSED


def _unwrap(raw: RawReport) -> PgpResult:
    content = bytes(raw.content)
    result = pgp_unwrap(content)
    if result.decrypted:
        plain = raw_report_store(
            channel="email", source=MAIL_SOURCE, content=result.message,
            content_type=f"{MESSAGE_RFC822}; x-renkei=decrypted",
        )  # fmt: skip
        raw_report_mark(plain.pk, status=RawStatus.PARSED, error=f"decrypted from raw {raw.pk}")
        result.info["decrypted_raw_id"] = plain.pk
    return result


@dataclass
class _Context:
    collector: str
    received_at: datetime | None
    actor: User | None
    envelope: dict[str, Any]
    arrived_by: str  # the collector it first came by (differs when processed again)


def _arrival_time(arrival: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(arrival["received_at"])
    except (KeyError, TypeError, ValueError):
        return None


def _process(raw: RawReport, context: _Context) -> MailOutcome:
    unwrapped = _unwrap(raw)
    parsed = parse_message(unwrapped.message)
    if parsed.completeness == "failed":
        error = "not parsed: " + "; ".join(parsed.problems)
        return MailOutcome(raw.pk, "failed", completeness="failed", error=error[:2000])
    mail = parse_mail(parsed)
    built = attachments_build(mail.attachments, raw=raw, passwords=mail.passwords)
    mail.clues.attachments = [_clue(a) for a in built]
    suggestion = suggest(mail.clues, brand_matcher())
    record = _record(raw, mail, suggestion, context, unwrapped)
    label = "" if context.actor else f"email:{context.collector}"
    with transaction.atomic():
        prepared = _prepare(record, suggestion)
        result = report_ingest_batch(
            prepared=[prepared], actor=context.actor, actor_label=label,
        )  # fmt: skip
        created = result.created.get((MAIL_SOURCE, record.ref))
        if created is None:
            return _duplicate(raw, record.ref, parsed.completeness)
        report = Report.objects.get(pk=created.report_id)
        _attach(report, built)
    ref = Incident.objects.filter(pk=created.incident_id).values_list("ref", flat=True).first()
    return MailOutcome(raw.pk, "created", report.pk, ref or "", parsed.completeness)


def _clue(attachment: Attachment) -> dict[str, object]:
    summary = attachment_summary(attachment)
    if attachment.filename.lower().endswith((".htm", ".html", ".shtml")):
        summary["kind"] = "html"
    return summary


def _attach(report: Report, built: list[Attachment]) -> None:
    for attachment in built:
        attachment.report = report
    saved = Attachment.objects.bulk_create(built) if built else []
    if saved:
        report.extra["attachments"] = [attachment_summary(a) for a in saved]
        report.save(update_fields=["extra"])


def _duplicate(raw: RawReport, ref: str, completeness: str) -> MailOutcome:
    first = Report.objects.filter(source=MAIL_SOURCE, ref=ref).values_list("id", "incident__ref")
    report_id, incident_ref = first.first() or (None, "")
    return MailOutcome(
        raw.pk, "duplicate", report_id, incident_ref or "", completeness,
        error=f"the same message was already received (report {report_id})",
    )  # fmt: skip


def _ticket_incident(ref: str | None) -> Incident | None:
    """The incident a reply names; a merged one hands over to where it went."""
    if not ref:
        return None
    incident = Incident.objects.filter(ref=ref).first()
    while incident is not None and incident.merged_into_id is not None:
        incident = incident.merged_into
    return incident


def _received_at(raw: RawReport, mail: MailReport, context: _Context) -> datetime:
    """When the report reached us: given by the collector (IMAP's delivery time), or
    for an uploaded file the first Received header, else the moment it was stored."""
    if context.received_at is not None:
        return context.received_at
    if context.arrived_by.startswith("upload"):
        return received_time(mail.parsed) or raw.stored_at
    return raw.stored_at


def _record(
    raw: RawReport, mail: MailReport, suggestion: Suggestion, context: _Context,
    unwrapped: PgpResult,
) -> ReportRecord:  # fmt: skip
    parsed = mail.parsed
    extra: dict[str, Any] = {
        "mail": {
            "collector": context.collector, "envelope": context.envelope,
            "arrived_by": context.arrived_by,
            "subject": parsed.subject, "from": parsed.from_addr,
            "from_name": parsed.from_name, "to": parsed.to[:20], "message_id": parsed.message_id,
            "date": parsed.date.isoformat() if parsed.date else None,
            "completeness": parsed.completeness, "problems": parsed.problems[:50],
            "forwarded": len(parsed.forwarded),
        },
        "observables": observables_json(mail.observables),
        "suggestion": suggestion.as_json(),
    }  # fmt: skip
    if unwrapped.info:
        extra["pgp"] = unwrapped.info
        signature = unwrapped.info.get("signature")
        if signature is not None:
            # Against the reporter address shown, as this parser read it.
            signature["signer_matches_from"] = signer_matches_from(signature, parsed.from_addr)
    phishing = suggestion.brand is not None and suggestion.category == "phishing"
    brand = suggestion.brand.name if phishing and suggestion.brand else ""
    return ReportRecord(
        ref=message_ref(bytes(raw.content)), received_at=_received_at(raw, mail, context),
        channel="email",
        reporter=parsed.from_addr[:200], category=suggestion.category, url=suggestion.url,
        ip=suggestion.ip, ports=suggestion.ports, brand=brand, text=mail.text, extra=extra,
        source=MAIL_SOURCE, incident=mail.ticket or _answered_ticket(parsed, extra), raw_id=raw.pk,
    )  # fmt: skip


def _answered_ticket(parsed: ParsedMessage, extra: dict[str, Any]) -> str | None:
    """The incident of a notification the message answers (In-Reply-To, References):
    a hoster's ticket system often rewrites the subject and drops the tag."""
    if not parsed.replied_to:
        return None
    answered = (
        Notification.objects.filter(message_id__in=parsed.replied_to)
        .exclude(message_id="")
        .values_list("message_id", "incident__ref")
    )
    by_id = dict(answered)
    nearest = next((m for m in parsed.replied_to if m in by_id), None)
    if nearest is None:
        return None
    extra["mail"]["answers"] = nearest
    return by_id[nearest]


def _prepare(record: ReportRecord, suggestion: Suggestion) -> PreparedReport:
    """The experts' work, with the classifier's category and a reply's incident."""
    incident = _ticket_incident(record.incident)
    if record.incident and incident is None:
        record.extra["ticket"] = {"tag": record.incident, "found": False}
    record.incident = incident.ref if incident else None
    try:
        prepared = prepare_fields(record, source=MAIL_SOURCE)
    except ValidationError as exc:
        # The suggested URL or address cannot be normalized: file the report
        # as other, keep the suggestion and say why it was not applied.
        record.extra["suggestion"]["not_applied"] = exc.message
        record.category, record.url, record.ip, record.ports = "other", "", "", []
        prepared = prepare_fields(record, source=MAIL_SOURCE)
    prepared.category_origin = "classifier"
    if suggestion.brand is not None and record.brand and record.category == "phishing":
        prepared.brand_id = suggestion.brand.brand_id
    if incident is not None:
        # A reply is about the incident it names, whatever its own content says.
        record.extra["ticket"] = {"tag": incident.ref, "found": True}
        prepared.category, prepared.key = incident.category, incident.key
    return prepared
