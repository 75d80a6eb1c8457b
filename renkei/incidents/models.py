from __future__ import annotations

import re
import secrets
import struct
from collections.abc import Sequence
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


def new_incident_ref() -> str:
    """A short reference that people read out on the phone and put in subjects.

    Ten Crockford base32 characters, all 50 bits random: for an incident
    made one at a time, before its id is known (bulk intake uses
    `incident_refs_for`). The column is unique.
    """
    return _ref_text(secrets.randbits(50))


# A bulk-made reference carries its incident's id (modulo 2**27, 134 million)
# in its first 27 bits: references are then unique by construction and sort
# like ids, so a batch's new references land together at the end of the
# unique index instead of on thousands of its pages (random references cost
# 10-15% of a feed import). The last 23 bits stay random: replies are matched to
# incidents by reference, and one incident's reference does not give away its
# neighbour's (about 8 million candidates).
_REF_ID_MASK = (1 << 27) - 1
_REF_RANDOM_BITS = 23


def incident_refs_for(ids: Sequence[int]) -> list[str]:
    """References of the same form as `new_incident_ref` for new incidents with these ids."""
    randoms = struct.unpack(f">{len(ids)}I", secrets.token_bytes(4 * len(ids)))
    return [
        _ref_text((pk & _REF_ID_MASK) << _REF_RANDOM_BITS | random >> (32 - _REF_RANDOM_BITS))
        for pk, random in zip(ids, randoms, strict=True)
    ]


# Two characters for every 10 bits; the alphabet is in ASCII order, so
# references sort like the numbers they encode.
_REF_PAIRS = [a + b for a in _REF_ALPHABET for b in _REF_ALPHABET]


def _ref_text(value: int) -> str:
    pairs = _REF_PAIRS
    return (
        f"I-{pairs[value >> 40 & 1023]}{pairs[value >> 30 & 1023]}{pairs[value >> 20 & 1023]}"
        f"{pairs[value >> 10 & 1023]}{pairs[value & 1023]}"
    )


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
    # Both nearly always empty: their indexes (in Meta) leave out the empty
    # ones, which spares two index entries for every incident intake opens.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from",
        db_index=False,
    )  # fmt: skip
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        db_index=False,
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
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
            # API (intake/api.py): incidents by their latest change, keyset-paged.
            models.Index(fields=["updated_at", "id"], name="incident_changed"),
            # `merged_into = x` and `assignee = x` imply NOT NULL, so both databases use these.
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="incident_merged_into",
            ),
            models.Index(
                fields=["assignee"],
                condition=models.Q(assignee__isnull=False),
                name="incident_assignee",
            ),
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

    # No index of its own: the unique constraint's index starts with it.
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="port_rows", db_index=False
    )
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
    # No index of its own: incident_merge_source starts with it.
    source = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="merges_out", db_index=False
    )
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
