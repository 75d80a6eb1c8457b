from __future__ import annotations

from django import forms

from renkei.reports.models import LANGUAGE_CHOICES


class QuarterNoteForm(forms.Form):
    """An analyst's section of a quarterly report, in Markdown."""

    note_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    lang = forms.ChoiceField(choices=LANGUAGE_CHOICES)
    title = forms.CharField(max_length=200)
    body_markdown = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False)
    position = forms.IntegerField(min_value=0, required=False, initial=0)
