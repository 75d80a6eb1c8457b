from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

LANGUAGE_CHOICES = [("ja", "日本語"), ("en", "English")]

quarter_validator = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", "a quarter is given as YYYY-MM")


class QuarterNote(models.Model):
    """An analyst's own section of a quarterly report (trend commentary, a case study).

    Written in Markdown; shown after the figures, in `position` order, in
    the report of its quarter and language. The HTML is made (and
    sanitized) when the report is rendered, never stored.
    """

    quarter = models.CharField(max_length=7, validators=[quarter_validator])
    lang = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="ja")
    title = models.CharField(max_length=200)
    body_markdown = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["quarter", "lang", "position", "id"]
        indexes = [models.Index(fields=["quarter", "lang", "position"], name="quarter_note_order")]

    def __str__(self) -> str:
        return f"{self.quarter} [{self.lang}] {self.title}"
