"""Notifications from the console: render, queue, deliver (with retries), re-notify.

Queueing is a service (permission, row, audit, in one transaction); the
delivery runs later in a background task (`tasks.py`) that calls
`notification_attempt`, which sends through `lib/mail.py` and records the
outcome on the Notification and on the incident's timeline.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.template import (
    Context,
    Engine,
    Library,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from renkei.accounts.access import is_admin, is_staff
from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.coordination.models import (
    LANGUAGE_CHOICES,
    Contact,
    Notification,
    NotificationStatus,
    NotificationTemplate,
)
from renkei.coordination.selectors import notifications_stuck, retry_delay
from renkei.coordination.sla import local_tz
from renkei.incidents.labels import CATEGORY_LABELS
from renkei.incidents.models import Incident, IncidentStatus
from renkei.intake.models import Report
from renkei.lib import mail
from renkei.lib.errors import PermissionDenied, ValidationError
from renkei.lib.pgp import PgpError, import_public_key

logger = logging.getLogger(__name__)

SOURCE = "console"
# Tags a notification has no use for: they reach beyond the template's own text
# (other libraries, the console's URLs, the whole context and Python's modules).
_WITHHELD_TAGS = {"load", "debug", "url", "csrf_token"}


class _TextEngine(Engine):
    """Templates are edited by administrators and rendered into outgoing mail as plain
    text: no autoescape, no loaders, and only the built-in tags and filters, without
    the loader tags (include, extends, block), so a template stands on its own."""

    def get_template_builtins(self, builtins: list[str]) -> list[Library]:
        library = Library()
        library.filters.update(defaultfilters.register.filters)
        library.tags.update(
            (name, tag)
            for name, tag in defaulttags.register.tags.items()
            if name not in _WITHHELD_TAGS
        )
        return [library]


_ENGINE = _TextEngine(loaders=[], libraries={}, autoescape=False)
_TEMPORARY_FAILURES_KEPT = 2000


def ticket_tag(incident: Incident) -> str:
    return f"[renkei#{incident.ref}]"


def with_ticket(subject: str, incident: Incident) -> str:
    subject = " ".join(subject.split())
    tag = ticket_tag(incident)
    return subject if tag in subject else f"{tag} {subject}"


def defang(url: str) -> str:
    """hxxps://example[.]com/login: shown, not clickable, in a notification."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url.replace(".", "[.]")
    host, slash, path = rest.partition("/")
    return f"{scheme.replace('http', 'hxxp', 1)}://{host.replace('.', '[.]')}{slash}{path}"


def template_context(incident: Incident, contact: Contact | None) -> dict[str, Any]:
    """Plain values only: a template cannot reach models or call their methods."""
    reports = Report.objects.filter(incident=incident).order_by("received_at")[:50]
    urls = sorted({r.url for r in reports if r.url})
    ips = sorted({r.ip for r in reports if r.ip})
    return {
        "ticket": ticket_tag(incident),
        "incident_ref": incident.ref,
        "category": incident.category,
        "urls": [defang(u) for u in urls],
        "ips": ips,
        "ports": list(incident.ports),
        "brand": incident.brand.name if incident.brand_id else "",  # type: ignore[union-attr]
        "first_report_at": incident.first_report_at.astimezone(local_tz()).strftime(
            "%Y-%m-%d %H:%M %Z"
        ),
        "report_count": incident.report_count,
        "organisation": contact.organisation if contact else "",
        "center_name": settings.RENKEI_CENTER_NAME,
    }


def render_text(source: str, context: dict[str, Any]) -> str:
    try:
        template = _ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(_("Template error: %(error)s") % {"error": exc}) from None
    try:
        rendered = template.render(Context(context, autoescape=False))
    except Exception as exc:  # noqa: BLE001 - stored template text is untrusted input
        # Tags fail while rendering in their own ways (a for loop unpacking a
        # string, widthratio with text): whatever it is, it is the template's fault.
        error = f"{type(exc).__name__}: {exc}"
        raise ValidationError(_("Template error: %(error)s") % {"error": error}) from None
    # Template output is marked safe; this text is data (report values inside),
    # so hand it on as a plain str that pages escape like any other.
    return "".join([rendered])


def render_notification(
    *,
    incident: Incident,
    language: str,
    contact: Contact | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> tuple[str, str]:
    """(subject with ticket tag, body) from the stored template or the given text."""
    if subject is None or body is None:
        template = NotificationTemplate.objects.filter(
            category=incident.category, language=language
        ).first()
        if template is None:
            raise ValidationError(
                _("There is no %(language)s template for %(category)s.")
                % {
                    "language": dict(LANGUAGE_CHOICES).get(language, language),
                    "category": CATEGORY_LABELS.get(incident.category, incident.category),
                }
            )
        subject, body = template.subject, template.body
    context = template_context(incident, contact)
    return with_ticket(render_text(subject, context), incident), render_text(body, context)


@transaction.atomic
def notification_template_update(
    *, actor: User, template: NotificationTemplate, subject: str, body: str
) -> NotificationTemplate:
    if not is_admin(actor):
        raise PermissionDenied("only administrators edit notification templates")
    # Parsing is not enough: some errors only show when the template renders.
    sample = sample_context(template.category)
    for text in (subject, body):
        render_text(text, sample)
    before = {"subject": template.subject, "body": template.body}
    template.subject, template.body, template.updated_by = subject, body, actor
    template.save()
    audit_log(
        actor=actor,
        action="template.update",
        obj=template,
        before=before,
        after={"subject": subject, "body": body},
    )
    return template


def _enqueue_after_commit(notification: Notification) -> None:
    transaction.on_commit(lambda: _hand_to_worker(notification.pk))


def _hand_to_worker(notification_id: int) -> None:
    """Enqueue a delivery whose notification is committed; a queue that cannot be
    reached (Redis down) must not fail the analyst's request after the fact: the
    notification stays queued, and is shown as stuck so it can be sent again."""
    from renkei.coordination.tasks import schedule_delivery

    try:
        schedule_delivery(notification_id)
    except (RedisError, DatabaseError):  # the queue's store, not the delivery's own errors
        logger.exception("notification %s is queued but no worker was told of it", notification_id)


@transaction.atomic
def notification_queue(
    *,
    actor: User,
    incident: Incident,
    recipient: str,
    subject: str,
    body: str,
    language: str,
    recipient_country: str = "",
    basis: str = "",
    contact: Contact | None = None,
    extra: dict[str, Any] | None = None,
) -> Notification:
    """Record a notification as queued and have it sent in the background."""
    if not is_staff(actor):
        raise PermissionDenied("only center staff send notifications")
    if incident.status == IncidentStatus.MERGED:
        raise ValidationError(
            _("%(ref)s is merged; notify from the incident it is merged into.")
            % {"ref": incident.ref}
        )
    if not recipient or "@" not in recipient:
        raise ValidationError(_("A notification needs the recipient's e-mail address."))
    if contact is not None and contact.email.lower() != recipient.strip().lower():
        # The message would be encrypted to the contact's key and sent to another
        # address, which could not read it (or, signed only, go out in clear).
        raise ValidationError(
            _(
                "%(to)s is not the address of %(organisation)s (%(email)s): choose the "
                "contact that has it, or no contact."
            )
            % {"to": recipient.strip(), "organisation": contact.organisation,
               "email": contact.email}
        )  # fmt: skip
    if contact is None:
        # A typed address is still the directory's party: its key (encryption) and country.
        contact = (
            Contact.objects.filter(email__iexact=recipient.strip())
            .order_by("-active", "pk")
            .first()
        )
    notification = Notification.objects.create(
        source=SOURCE,
        ref=f"{incident.ref}-{secrets.token_hex(6)}",
        incident=incident,
        sent_at=timezone.now(),
        recipient=recipient.strip(),
        # Else the contact's: without one the statistics would count it overseas.
        recipient_country=(recipient_country or (contact.country if contact else "")).upper()[:2],
        basis=basis,
        status=NotificationStatus.QUEUED,
        contact=contact,
        language=language,
        subject=with_ticket(subject, incident),
        body=body,
        created_by=actor,
        extra=extra or {},
    )
    audit_log(
        actor=actor,
        action="notification.queue",
        obj=incident,
        after={
            "notification": notification.pk,
            "recipient": notification.recipient,
            "subject": notification.subject,
            "basis": basis,
        },
    )
    _enqueue_after_commit(notification)
    return notification


def notification_renotify(*, actor: User, original: Notification) -> Notification:
    """Send again to the same party (a reminder, or after a failure)."""
    if original.source != SOURCE:
        # An imported record of a notification sent elsewhere: renkei has no text of it.
        raise ValidationError(
            _(
                "The notification to %(to)s was imported, not sent by renkei: there is no "
                "text to send again; write a new notification."
            )
            % {"to": original.recipient}
        )
    if original.status == NotificationStatus.QUEUED and _abandon_if_stuck(original, actor) is None:
        # Its delivery may still succeed (it is retried): the party would get it twice.
        raise ValidationError(
            _(
                "The notification to %(to)s is still being sent; send it again once it "
                "has been sent or has failed."
            )
            % {"to": original.recipient}
        )
    prefix = "【再送】" if original.language == "ja" else "Reminder:"
    subject = (
        original.subject if original.subject.startswith(prefix) else f"{prefix} {original.subject}"
    )
    return notification_queue(
        actor=actor,
        incident=original.incident,
        recipient=original.recipient,
        subject=subject,
        body=original.body,
        language=original.language,
        recipient_country=original.recipient_country,
        basis=original.basis,
        contact=original.contact,
        extra={"renotification_of": original.pk},
    )


@transaction.atomic
def _abandon_if_stuck(original: Notification, actor: User) -> Notification | None:
    """A notification queued past its whole retry schedule is given up as failed, so
    that a worker coming back later cannot deliver it beside the one sent instead."""
    locked = Notification.objects.select_for_update().filter(pk=original.pk)
    stuck = notifications_stuck(locked).first()
    if stuck is None:
        return None
    before = {"status": stuck.status, "attempts": stuck.attempts}
    stuck.status = NotificationStatus.FAILED
    stuck.error = "not delivered in time (no mail worker took it); given up to send again"
    stuck.save(update_fields=["status", "error"])
    after = {"notification": stuck.pk, "status": stuck.status, "error": stuck.error}
    audit_log(
        actor=actor, action="notification.failed", obj=original.incident,
        before=before, after=after,
    )  # fmt: skip
    original.status, original.error = stuck.status, stuck.error
    return stuck


@dataclass(frozen=True)
class AttemptOutcome:
    status: str
    retry_in: int | None = None  # seconds until the next attempt, when there is one


def _claim(notification_id: int) -> Notification | None:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("incident", "contact")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.status != NotificationStatus.QUEUED:
            return None
        notification.attempts += 1
        if not notification.message_id:  # chosen once: every attempt sends the same message
            notification.message_id = mail.new_message_id()
        notification.save(update_fields=["attempts", "message_id"])
        return notification


def _encryption_keys(notification: Notification) -> list[str]:
    contact = notification.contact
    if contact is None or not contact.pgp_public_key.strip():
        return []
    return [import_public_key(contact.pgp_public_key, home=settings.RENKEI_GPG_HOME)]


@transaction.atomic
def _record(
    notification: Notification, status: str, *, error: str = "", message_id: str = ""
) -> None:
    incident = Incident.objects.select_for_update().get(pk=notification.incident_id)
    before = {"status": NotificationStatus.QUEUED, "attempts": notification.attempts - 1}
    notification.status, notification.error = status, error[:_TEMPORARY_FAILURES_KEPT]
    fields = ["status", "error"]
    if status == NotificationStatus.SENT:
        notification.sent_at, notification.message_id = timezone.now(), message_id
        fields += ["sent_at", "message_id"]
        if incident.status in (IncidentStatus.OPEN, IncidentStatus.NOT_NOTIFIED):
            incident.status = IncidentStatus.NOTIFIED
            incident.save(update_fields=["status", "updated_at"])
    notification.save(update_fields=fields)
    action: dict[str, str] = {
        NotificationStatus.SENT.value: "notification.sent",
        NotificationStatus.FAILED.value: "notification.failed",
    }
    audit_log(
        actor=None,
        actor_label="mailer",
        action=action.get(status, "notification.retry"),
        obj=incident,
        before=before,
        after={
            "notification": notification.pk,
            "status": status,
            "attempts": notification.attempts,
            "error": notification.error,
            "recipient": notification.recipient,
        },
    )


_A_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,250}>")  # printable ASCII, no < > or space


def _thread_headers(notification: Notification) -> dict[str, str]:
    """The ticket, and for a reminder the message it follows up: the party's mail
    program shows the two in one thread, and their reply names both."""
    headers = {"X-Renkei-Ticket": notification.incident.ref}
    original_pk = notification.extra.get("renotification_of")
    if isinstance(original_pk, int):
        earlier = (
            Notification.objects.filter(pk=original_pk, incident=notification.incident)
            .exclude(message_id="")
            .values_list("message_id", flat=True)
            .first()
        )
        if earlier and _A_MESSAGE_ID.fullmatch(earlier):  # an imported one is only text
            headers["In-Reply-To"] = headers["References"] = earlier
    return headers


def notification_attempt(*, notification_id: int) -> AttemptOutcome:
    """One delivery attempt; temporary failures are retried with growing delays, up to
    RENKEI_NOTIFY_MAX_ATTEMPTS attempts, then the notification is marked failed."""
    notification = _claim(notification_id)
    if notification is None:
        return AttemptOutcome("skipped")
    try:
        message_id = mail.send(
            mail.OutgoingMail(
                to=notification.recipient,
                subject=notification.subject,
                text=notification.body,
                encrypt_to=_encryption_keys(notification),
                headers=_thread_headers(notification),
                message_id=notification.message_id,
            )
        )
    except mail.TemporaryMailError as exc:
        if notification.attempts >= settings.RENKEI_NOTIFY_MAX_ATTEMPTS:
            # The mail server's own words only: the page says the delivery failed and
            # shows the attempts in the reader's language (a prefix here would be English).
            _record(notification, NotificationStatus.FAILED, error=str(exc))
            return AttemptOutcome(NotificationStatus.FAILED)
        _record(notification, NotificationStatus.QUEUED, error=str(exc))
        return AttemptOutcome(
            NotificationStatus.QUEUED, retry_in=retry_delay(notification.attempts)
        )
    except (mail.PermanentMailError, PgpError) as exc:
        _record(notification, NotificationStatus.FAILED, error=str(exc))
        return AttemptOutcome(NotificationStatus.FAILED)
    _record_sent(notification, message_id)
    return AttemptOutcome(NotificationStatus.SENT)


# Seconds between tries to record a notification the mail server has taken: a minute of
# pauses, each try itself waiting up to the database's busy timeout (SQLite: 10 s).
RECORD_RETRY_SECONDS = (1, 2, 4, 8, 15, 30)


def _record_sent(notification: Notification, message_id: str) -> None:
    """Record a delivery, trying again while the database is unavailable or locked.

    The message is out: left queued, it would be shown as stuck and sent a
    second time. If the database stays away, the log says it was delivered.
    """
    for delay in (*RECORD_RETRY_SECONDS, None):
        try:
            _record(notification, NotificationStatus.SENT, message_id=message_id)
            return
        except (OperationalError, InterfaceError) as exc:
            if delay is None or connection.in_atomic_block:  # a caller's transaction is lost
                logger.error(
                    "notification %s was delivered (Message-ID %s) but could not be "
                    "recorded: %s",
                    notification.pk, message_id, exc,
                )  # fmt: skip
                raise
            logger.warning(
                "recording notification %s: %s; again in %s s", notification.pk, exc, delay
            )
            connection.close()  # a broken connection is opened anew
            time.sleep(delay)


def sample_context(category: str) -> dict[str, Any]:
    """Example values for previewing a template when no incident of its category exists."""
    return {
        "ticket": "[renkei#I-0123456789]",
        "incident_ref": "I-0123456789",
        "category": category,
        "urls": [defang("https://login.example.com/account/verify")],
        "ips": ["192.0.2.10"],
        "ports": ["22/tcp", "23/tcp"] if category == "scan" else [],
        "brand": "Example Bank",
        "first_report_at": "2025-04-01 10:30 JST",
        "report_count": 3,
        "organisation": "Example Hosting",
        "center_name": settings.RENKEI_CENTER_NAME,
    }


def template_preview(*, template: NotificationTemplate, subject: str, body: str) -> tuple[str, str]:
    """The template text rendered for the newest incident of its category, or sample values."""
    incident = (
        Incident.objects.filter(category=template.category, status__literal_in=("open", "notified"))
        .order_by("-first_report_at")
        .first()
    )
    context = template_context(incident, None) if incident else sample_context(template.category)
    return render_text(subject, context), render_text(body, context)
