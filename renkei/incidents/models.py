from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from django.conf import settings
from django.db import models

CATEGORY_CHOICES = [
    ("phishing", "phishing site"),
    ("defacement", "website defacement"),
    ("malware_site", "malware site"),
    ("scan", "scan"),
    ("dos", "DoS/DDoS"),
    ("ics", "industrial control systems"),
    ("targeted_attack", "targeted attack"),
    ("other", "other"),
]

INDUSTRY_CHOICES = [
    (slug, slug)
    for slug in (
        "finance",
        "ecommerce",
        "telecom",
        "transport",
        "logistics",
        "government",
        "utilities",
        "media",
        "it_services",
        "crypto",
        "other",
    )
]

_IDENTIFIER = re.compile(r"[a-z_]+")
_REF_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _REF_ALPHABET.encode())


def new_incident_ref() -> str:
    """A short reference that people read out on the phone and put in subjects.

    Ten Crockford base32 characters: 50 random bits, so collisions stay
    negligible at tens of millions of incidents (the column is unique anyway).
    """
    return new_incident_refs(1)[0]


def new_incident_refs(count: int) -> list[str]:
    """`count` new references at once (bulk intake opens thousands per batch)."""
    # Every 5 random bytes are 8 base32 characters; a reference takes 10.
    encoded = base64.b32encode(secrets.token_bytes((count * 10 + 7) // 8 * 5))
    text = encoded.translate(_TO_CROCKFORD).decode("ascii")
    return ["I-" + text[start : start + 10] for start in range(0, count * 10, 10)]


class Brand(models.Model):
    name = models.CharField(max_length=200, unique=True)
    # NFKC-casefolded name: what lookups compare against.
    name_key = models.CharField(max_length=200, unique=True)
    country = models.CharField(max_length=2, blank=True)
    industry = models.CharField(max_length=20, choices=INDUSTRY_CHOICES, default="other")

    def __str__(self) -> str:
        return self.name


class BrandAlias(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=200)
    alias_key = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.alias


class IncidentStatus(models.TextChoices):
    OPEN = "open", "open"
    NOTIFIED = "notified", "notified"
    NOT_NOTIFIED = "not_notified", "no notification needed"
    RESOLVED = "resolved", "resolved"
    MERGED = "merged", "merged"


# Incidents that still need work: not yet triaged, or notified and awaiting
# resolution. The queue's partial indexes are defined over exactly this set.
QUEUE_STATUSES: tuple[str, ...] = (IncidentStatus.OPEN.value, IncidentStatus.NOTIFIED.value)
QUEUE_CONDITION = models.Q(status__in=QUEUE_STATUSES)


class Incident(models.Model):
    """One real event, however many reports describe it."""

    ref = models.CharField(max_length=40, unique=True, default=new_incident_ref)
    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES)
    # Dedup key (EXCHANGE-FORMAT.md); null for categories without one.
    key = models.CharField(max_length=2048, null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    first_report_at = models.DateTimeField()
    last_report_at = models.DateTimeField()
    report_count = models.PositiveIntegerField(default=0)
    # No index of its own: incident_brand_age starts with brand.
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    ports = models.JSONField(default=list, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Statistics: incidents per month and category.
            # Statistics: incidents per month and category, and (with the brand)
            # phishing brand origins, both answered from the index alone.
            models.Index(
                fields=["first_report_at", "category", "brand"], name="incident_month_cat_brand"
            ),
            # Dedup: the latest incident with this category and key.
            models.Index(fields=["category", "key", "last_report_at"], name="incident_dedup"),
            # Triage queue (incidents/selectors.py): oldest first, keyset-paged.
            models.Index(
                fields=["first_report_at", "id"], condition=QUEUE_CONDITION, name="incident_queue"
            ),
            models.Index(
                fields=["category", "first_report_at", "id"],
                condition=QUEUE_CONDITION,
                name="incident_queue_cat",
            ),
            models.Index(fields=["status", "first_report_at", "id"], name="incident_status_age"),
            models.Index(fields=["brand", "first_report_at", "id"], name="incident_brand_age"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.category} {self.key or ''}"


class LiteralIn(models.Lookup[Any]):
    """`status IN ('open', 'notified')` written inline, not as bound parameters.

    SQLite uses a partial index only when the query repeats the index's
    condition literally; with `?` placeholders it cannot prove the match.
    Only for fixed identifiers (checked), never for user input.
    """

    lookup_name = "literal_in"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values or not all(_IDENTIFIER.fullmatch(v) for v in values):
            raise ValueError(f"literal_in takes fixed identifiers, not {values!r}")
        return f"{lhs} IN ({', '.join(repr(v) for v in values)})", tuple(params)


Incident._meta.get_field("status").register_lookup(LiteralIn)


class IncidentPort(models.Model):
    """A `PORT/PROTO` of a scan incident, as a row so that SQL can count it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="port_rows")
    port = models.PositiveIntegerField()
    protocol = models.CharField(max_length=8)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "port", "protocol"], name="incident_port_unique"
            )
        ]
        indexes = [models.Index(fields=["port", "protocol"])]


class IncidentMerge(models.Model):
    """One incident merged into another, with what moved, so that it can be undone."""

    target = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="merges_in")
    source = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="merges_out")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    # {"reports": [ids], "notifications": [...], "no_notifications": [...], "resolutions": [...]}
    moved = models.JSONField(default=dict)
    source_status = models.CharField(max_length=20)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["source", "undone_at"], name="incident_merge_source")]

    def __str__(self) -> str:
        return f"{self.source_id} -> {self.target_id}"
