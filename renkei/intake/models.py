from __future__ import annotations

from django.db import models

from renkei.incidents.models import CATEGORY_CHOICES, Brand, Incident

CHANNEL_CHOICES = [
    ("web", "web form"),
    ("email", "e-mail"),
    ("fax", "FAX"),
    ("phone", "telephone"),
    ("api", "API"),
    ("feed", "feed"),
    ("import", "bulk import"),
]


class RawStatus(models.TextChoices):
    STORED = "stored", "stored"
    PARSED = "parsed", "parsed"
    FAILED = "failed", "failed"


class RawReport(models.Model):
    """Exactly what arrived, stored before anything else happens to it.

    One unit as received: an e-mail message, a form post, an API request,
    or a chunk of lines of a bulk file. A unit may hold several reports;
    each report names its byte range in `content`. `content` is never
    changed after insert. A unit that could not be parsed keeps its reason
    in `error`.
    """

    stored_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=20, choices=CHANNEL_CHOICES)
    source = models.CharField(max_length=200)
    content = models.BinaryField()
    content_type = models.CharField(max_length=100, default="application/json")
    status = models.CharField(max_length=10, choices=RawStatus.choices, default=RawStatus.STORED)
    error = models.TextField(blank=True)
    # Where in the source it came from (first line number of a bulk file chunk).
    position = models.PositiveIntegerField(null=True, blank=True)
    # How an e-mail arrived (collector, delivery time, SMTP envelope), kept with its
    # bytes so that processing it again later knows what the first run knew. Null
    # rather than a default: SQLite would otherwise copy the whole table to add it.
    arrival = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "stored_at"]),
            # A rejected line is looked up before it is recorded again (importing
            # a file twice): without it, each rejection read every failed one.
            models.Index(fields=["source", "position"], name="rawreport_source_position"),
        ]


class CategoryOrigin(models.TextChoices):
    REPORTER = "reporter", "reporter"
    CLASSIFIER = "classifier", "classifier"
    ANALYST = "analyst", "analyst"


class Report(models.Model):
    """One report from one reporter over one channel."""

    # Indexes are a cost on every intake; these three FKs are covered by the
    # composite index below or are only followed from the report side.
    raw = models.ForeignKey(
        RawReport, on_delete=models.PROTECT, related_name="reports", db_index=False
    )
    # The report's own bytes within the raw unit (a line of a bulk file).
    raw_offset = models.PositiveIntegerField(default=0)
    raw_length = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=200)
    ref = models.CharField(max_length=200)
    received_at = models.DateTimeField()
    channel = models.CharField(max_length=20, choices=CHANNEL_CHOICES)
    reporter = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES)
    category_origin = models.CharField(
        max_length=12, choices=CategoryOrigin.choices, default=CategoryOrigin.REPORTER
    )
    url = models.TextField(blank=True)  # normalized, scheme and query kept
    url_as_received = models.TextField(blank=True)
    host = models.CharField(max_length=300, blank=True)  # indexed in Meta
    ip = models.CharField(max_length=64, blank=True)
    ports = models.JSONField(default=list, blank=True)
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    brand_as_received = models.CharField(max_length=200, blank=True)
    incident_key = models.CharField(max_length=2048, null=True, blank=True)
    text = models.TextField(blank=True)
    extra = models.JSONField(default=dict, blank=True)
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="reports", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "ref"], name="report_source_ref_unique")
        ]
        indexes = [
            models.Index(fields=["received_at"], name="report_received"),
            models.Index(fields=["incident", "received_at"], name="report_incident"),
            # Searched by equality only. As Meta indexes, not db_index, so that
            # PostgreSQL gets no second, LIKE-pattern index per column; named
            # as Django named the db_index ones, so upgrading rebuilds nothing.
            models.Index(fields=["host"], name="intake_report_host_1628810f"),
            models.Index(fields=["ip"], name="intake_report_ip_f269dfbe"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.ref}"

    def raw_bytes(self) -> bytes:
        content = bytes(self.raw.content)
        end = None if self.raw_length is None else self.raw_offset + self.raw_length
        return content[self.raw_offset : end]
