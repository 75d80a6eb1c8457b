from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "admin"
    ANALYST = "analyst", "analyst"
    COORDINATOR = "coordinator", "coordinator"
    PARTICIPANT = "participant", "participant"
    REPORTER = "reporter", "reporter"


STAFF_ROLES = frozenset({Role.ADMIN, Role.ANALYST, Role.COORDINATOR})


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ANALYST)
    language = models.CharField(max_length=8, default="ja")

    @property
    def is_center_staff(self) -> bool:
        return self.is_active and (self.is_superuser or self.role in STAFF_ROLES)

    @property
    def is_community_member(self) -> bool:
        """Center staff and the sharing community's participants: they submit
        reports with API tokens of their own. Reporters (anyone else) do not."""
        return self.is_center_staff or (self.is_active and self.role == Role.PARTICIPANT)


class AuditEvent(models.Model):
    """One recorded change: who did what to which object, with before/after.

    Written by services in the same transaction as the change itself, so
    an audit record exists exactly when the change does.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        target = f"{self.object_type}#{self.object_id}"
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {target}"

    @property
    def summary(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after}


class ApiToken(models.Model):
    """A secret that lets a program call the HTTP API as `user`.

    Only the SHA-256 of the secret is stored: the secret is shown once, when
    the token is created. A 256-bit random secret needs no slow hash.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the secret, so people can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    created = models.DateTimeField()
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked is None
