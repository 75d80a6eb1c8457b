from __future__ import annotations

from django.db import models

from renkei.incidents.models import Incident
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
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="notifications")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.PROTECT)
    sent_at = models.DateTimeField()
    recipient = models.CharField(max_length=320)
    recipient_country = models.CharField(max_length=2, blank=True)
    basis = models.CharField(max_length=20, choices=BASIS_CHOICES, blank=True)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.SENT
    )
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "ref"], name="notification_source_ref_unique")
        ]
        indexes = [
            models.Index(fields=["sent_at"], name="notification_sent"),
            models.Index(fields=["incident", "sent_at"], name="notification_incident"),
        ]


class NoNotification(models.Model):
    """The decision that an incident needs no coordination, and why."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="no_notifications"
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

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="resolutions")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.PROTECT)
    resolved_at = models.DateTimeField()
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "resolved_at"], name="resolution_unique")
        ]
        indexes = [models.Index(fields=["incident", "resolved_at"], name="resolution_incident")]
