"""Writing report data: analysts' own sections of a quarterly report."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.lib.errors import NotFound, PermissionDenied, ValidationError
from renkei.reports.labels import LANGS
from renkei.reports.models import QuarterNote
from renkei.reports.periods import Month, Quarter

TITLE_MAX = 200
# The largest position every supported database stores (PostgreSQL's integer);
# a larger one was a database error, a 500 on the report page's form.
POSITION_MAX = 2**31 - 1


def _snapshot(note: QuarterNote) -> dict[str, object]:
    return {
        "quarter": note.quarter,
        "lang": note.lang,
        "title": note.title,
        "body_markdown": note.body_markdown,
        "position": note.position,
    }


def _check(*, actor: User, quarter: str, lang: str, title: str, position: int) -> None:
    if not actor.is_center_staff:
        raise PermissionDenied("only center staff may write report sections")
    Quarter.parse(quarter)  # a quarter a report can be made for, not any month
    if lang not in LANGS:
        raise ValidationError(
            _("The language must be one of %(langs)s, not %(lang)s.")
            % {"langs": ", ".join(LANGS), "lang": repr(lang)}
        )
    if not title.strip() or len(title) > TITLE_MAX:
        raise ValidationError(
            _("A section needs a title of 1 to %(max)d characters.") % {"max": TITLE_MAX}
        )
    if not 0 <= position <= POSITION_MAX:
        raise ValidationError(_("The position must be from 0 to %(max)d.") % {"max": POSITION_MAX})


@transaction.atomic
def quarter_note_save(
    *,
    actor: User,
    quarter: str,
    lang: str,
    title: str,
    body_markdown: str,
    position: int = 0,
    note_id: int | None = None,
) -> QuarterNote:
    """Create an analyst's section of a quarterly report, or change one (`note_id`)."""
    _check(actor=actor, quarter=quarter, lang=lang, title=title, position=position)
    if note_id is None:
        note, before = QuarterNote(), None
    else:
        # Only a section of this quarter: another quarter's would silently move here.
        found = (
            QuarterNote.objects.select_for_update()
            .filter(pk=note_id, quarter=str(Month.parse(quarter)))
            .first()
        )
        if found is None:
            raise NotFound(
                _("There is no section %(id)s in the report of %(quarter)s.")
                % {"id": note_id, "quarter": quarter}
            )
        note, before = found, _snapshot(found)
    note.quarter, note.lang, note.title = str(Month.parse(quarter)), lang, title.strip()
    note.body_markdown, note.position = body_markdown, position
    note.updated_by, note.updated_at = actor, timezone.now()
    note.save()
    action = "quarter_note.create" if before is None else "quarter_note.update"
    audit_log(actor=actor, action=action, obj=note, before=before, after=_snapshot(note))
    return note
