"""Raw reports that did not become reports: listed for analysts, e-mail processed again.

Every channel stores what arrived before parsing it, so a message that failed
(a parser bug, a database error) is still here with its reason. Once the cause
is mended, an analyst runs an e-mail through the pipeline again from its
stored bytes; the other channels' raw reports are kept for reading only (a
form's files or an import line's file are not all in the raw report).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.incidents.selectors import keyset_after, keyset_cursor, keyset_position
from renkei.intake.collectors.mail import MESSAGE_HEADERS, MailOutcome, email_process
from renkei.intake.models import RawReport, RawStatus
from renkei.lib.errors import ValidationError

# A raw report still `stored` after this long was never processed (its worker died).
UNPROCESSED_AFTER = timedelta(minutes=10)
PAGE_SIZE = 50
REPROCESSABLE_CHANNELS = frozenset({"email"})


def raw_reports_needing_attention(
    *, channel: str = "", after: str = "", size: int = PAGE_SIZE, now: datetime | None = None
) -> tuple[list[RawReport], str]:
    """Failed or never processed raw reports, newest first; and the next page's cursor."""
    cutoff = (now or timezone.now()) - UNPROCESSED_AFTER
    qs: QuerySet[RawReport] = RawReport.objects.filter(
        Q(status=RawStatus.FAILED) | Q(status=RawStatus.STORED, stored_at__lt=cutoff)
    ).defer("content")
    if channel:
        qs = qs.filter(channel=channel)
    position = keyset_position(after) if after else None
    if position is not None:
        qs = keyset_after(qs, "stored_at", position, newest=True)
    page = list(qs.order_by("-stored_at", "-id")[: size + 1])
    if len(page) <= size:
        return page, ""
    last = page[size - 1]
    return page[:size], keyset_cursor(last.stored_at, last.pk)


@transaction.atomic
def raw_report_reprocess(*, actor: User, raw: RawReport) -> MailOutcome:
    """Run a failed e-mail through the pipeline again from its stored bytes; audited.

    The raw report is locked and read again first: of two runs started at once
    (a double click), the second waits and then finds it processed.
    """
    raw = RawReport.objects.select_for_update().get(pk=raw.pk)
    if raw.channel not in REPROCESSABLE_CHANNELS:
        raise ValidationError(
            _("A raw report of the %(channel)s channel cannot be processed again.")
            % {"channel": raw.channel}
        )
    if raw.content_type == MESSAGE_HEADERS:  # parsed, the headers alone would be a report
        raise ValidationError(
            _(
                "This raw report keeps only the headers of a message too large to fetch; "
                "the message itself is on the mail server."
            )
        )
    if raw.status == RawStatus.PARSED:
        raise ValidationError(_("This raw report was processed already."))
    before = {"status": raw.status, "error": raw.error}
    outcome = email_process(raw, collector=f"reprocess:{actor.get_username()}", actor=actor)
    after = {"status": outcome.status, "error": outcome.error, "report": outcome.report_id}
    audit_log(actor=actor, action="raw_report.reprocess", obj=raw, before=before, after=after)
    return outcome
