from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from renkei.lib.errors import RenkeiError
from renkei.reports.models import LANGUAGE_CHOICES
from renkei.reports.periods import FIRST_YEAR, LAST_YEAR, Quarter
from renkei.reports.services import POSITION_MAX


def reportable_quarter(text: str) -> Quarter | None:
    """The quarter starting at month `text` (YYYY-MM), if a report can cover it."""
    try:
        return Quarter.parse(text)
    except RenkeiError:
        return None


class QuarterStartForm(forms.Form):
    """The index's "any three months from" field."""

    start = forms.CharField(max_length=7)

    def clean_start(self) -> Quarter:
        quarter = reportable_quarter(self.cleaned_data["start"])
        if quarter is None:
            message = _("Enter the first month as YYYY-MM, from %(first)s-01 to %(last)s-12.")
            raise forms.ValidationError(
                message, code="invalid", params={"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return quarter


class QuarterNoteForm(forms.Form):
    """An analyst's section of a quarterly report, in Markdown."""

    note_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    lang = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    title = forms.CharField(label=_("Title"), max_length=200)
    body_markdown = forms.CharField(
        label=_("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )
    position = forms.IntegerField(
        label=_("Position"), min_value=0, max_value=POSITION_MAX, required=False, initial=0
    )
