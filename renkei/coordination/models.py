from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from renkei.incidents.models import CATEGORY_CHOICES, Incident
from renkei.intake.models import Report

BASIS_CHOICES = [
    ("site_confirmed", "site confirmed"),
    ("detailed_logs", "detailed logs"),
    ("contact_requested", "reporter asked us to contact the party"),
    ("high_threat", "high threat"),
]

NO_NOTIFICATION_REASONS = [
    ("site_unreachable", "site cannot be confirmed"),
    ("already_notified", "the party has already been contacted"),
    ("information_only", "information only"),
    ("low_threat", "low threat"),
    ("insufficient_logs", "logs lack detail"),
    ("insufficient_information", "insufficient information"),
]


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    SENT = "sent", "sent"
    FAILED = "failed", "failed"


class Notification(models.Model):
    """A coordination request sent to a party who can fix the problem."""

    source = models.CharField(max_length=200)
    ref = models.CharField(max_length=200)
    # Covered by the (incident, sent_at) index.
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="notifications", db_index=False
    )
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.PROTECT)
    sent_at = models.DateTimeField()
    recipient = models.CharField(max_length=320)
    recipient_country = models.CharField(max_length=2, blank=True)
    basis = models.CharField(max_length=20, choices=BASIS_CHOICES, blank=True)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.SENT
    )
    extra = models.JSONField(default=dict, blank=True)
    # Sent from the console (imported notifications leave these empty). The
    # database defaults keep the bulk importer's plain INSERTs valid.
    contact = models.ForeignKey(
        "coordination.Contact", null=True, blank=True, on_delete=models.SET_NULL
    )
    language = models.CharField(max_length=8, blank=True, default="", db_default="")
    subject = models.TextField(blank=True, default="", db_default="")
    body = models.TextField(blank=True, default="", db_default="")
    attempts = models.PositiveIntegerField(default=0, db_default=0)
    error = models.TextField(blank=True, default="", db_default="")
    message_id = models.CharField(max_length=300, blank=True, default="", db_default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "ref"], name="notification_source_ref_unique")
        ]
        indexes = [
            # Coordinations per month count sent notifications only: index-only.
            models.Index(fields=["sent_at", "status"], name="notification_sent_status"),
            models.Index(fields=["incident", "sent_at"], name="notification_incident"),
            # Search by e-mail address in the triage queue, as typed in any case.
            models.Index(Lower("recipient"), name="notification_recipient_lower"),
            # A reply without the ticket tag finds its incident by the Message-ID it answers.
            models.Index(fields=["message_id"], name="notification_message_id"),
        ]


class NoNotification(models.Model):
    """The decision that an incident needs no coordination, and why."""

    # No index of its own: the unique constraint's index starts with it.
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="no_notifications", db_index=False
    )
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.PROTECT)
    decided_at = models.DateTimeField()
    reason = models.CharField(max_length=30, choices=NO_NOTIFICATION_REASONS)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "decided_at", "reason"], name="no_notification_unique"
            )
        ]


class Resolution(models.Model):
    """The incident was resolved: site taken down or fixed, activity stopped."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="resolutions", db_index=False
    )
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.PROTECT)
    resolved_at = models.DateTimeField()
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "resolved_at"], name="resolution_unique")
        ]
        indexes = [models.Index(fields=["incident", "resolved_at"], name="resolution_incident")]


LANGUAGE_CHOICES = [("ja", "日本語"), ("en", "English")]
CONTACT_ROLES = [
    ("site_owner", "site owner"),
    ("hosting", "hosting provider"),
    ("registrar", "registrar"),
    ("csirt", "CSIRT"),
    ("other", "other"),
]


class Contact(models.Model):
    """An address in the contact directory: who we write to, in which language, with which key."""

    organisation = models.CharField(max_length=200)
    email = models.EmailField(max_length=320, unique=True)
    role = models.CharField(max_length=20, choices=CONTACT_ROLES, default="other")
    country = models.CharField(max_length=2, blank=True)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="ja")
    pgp_public_key = models.TextField(blank=True)
    pgp_fingerprint = models.CharField(max_length=64, blank=True)
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["organisation"], name="contact_organisation")]

    def __str__(self) -> str:
        return f"{self.organisation} <{self.email}>"


class NotificationTemplate(models.Model):
    """Subject and body of a notification, per category and language (Django template text)."""

    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "language"], name="template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.language}"


class SlaTarget(models.Model):
    """Business days allowed, per category, to the first notification and to resolution."""

    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES, unique=True)
    first_notification_days = models.PositiveIntegerField()
    resolution_days = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.category}: {self.first_notification_days}/{self.resolution_days}"
