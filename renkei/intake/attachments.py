"""Attachments of received reports: kept as data, hashed, typed, listed, never run.

An attachment is stored with its hashes, its detected type and, for archives,
the recursive listing of what is inside (passwords announced in the message
body are tried). Nothing here executes, opens in a viewer, or serves an
attachment inline: staff download it only as a zip encrypted with the
password `infected` (`renkei.lib.archives.zip_for_download`).

The model lives here rather than in models.py; `IntakeConfig.import_models`
imports this module so that Django registers it with the intake app.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from renkei.intake.models import RawReport, Report
from renkei.lib.archives import ArchiveReport, Limits, Member, inspect_attachment
from renkei.lib.filetype import KINDS

# Members listed per attachment at most; the archive walk has its own limits too.
MAX_LISTED_MEMBERS = 1000


class Attachment(models.Model):
    """One file that came with a report (an e-mail attachment, a form upload)."""

    raw = models.ForeignKey(RawReport, on_delete=models.PROTECT, related_name="attachments")
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    stored_at = models.DateTimeField()
    filename = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=200, blank=True)  # as declared by the sender
    detected_type = models.CharField(max_length=200, blank=True)  # from the content
    description = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=20, choices=[(k, k) for k in KINDS], default="other")
    is_executable = models.BooleanField(default=False)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    md5 = models.CharField(max_length=32)
    sha1 = models.CharField(max_length=40)
    # {"members": [...], "problems": [...], "stopped": "..."}; empty when not an archive.
    archive = models.JSONField(default=dict, blank=True)
    # oletools' findings for Office documents: macros, autoexec, suspicious keywords.
    office = models.JSONField(default=dict, blank=True)
    # Empty when the attachment was over RENKEI_ATTACHMENT_MAX_BYTES (hashes still kept).
    data = models.BinaryField(blank=True)
    data_stored = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["md5"]), models.Index(fields=["sha1"])]

    def __str__(self) -> str:
        return f"{self.filename or '(unnamed)'} {self.sha256[:12]}"


@dataclass(frozen=True, slots=True)
class IncomingFile:
    filename: str
    content_type: str
    data: bytes


def _member_json(member: Member) -> dict[str, Any]:
    item: dict[str, Any] = {
        "path": member.path,
        "size": member.size,
        "sha256": member.sha256,
        "type": member.filetype.mime,
        "kind": member.filetype.kind,
        "executable": member.is_executable,
    }
    if member.encrypted:
        item["encrypted"] = True
        item["password_found"] = member.password_used is not None
    if member.office:
        item["office"] = member.office
    if not member.complete:
        item["complete"] = False
    return item


def archive_listing(report: ArchiveReport) -> dict[str, Any]:
    """The members below the root, flat and depth first, with what stopped the walk."""
    members = [m for m in report.walk() if m is not report.root]
    listing: dict[str, Any] = {}
    if members:
        listing["members"] = [_member_json(m) for m in members[:MAX_LISTED_MEMBERS]]
        if len(members) > MAX_LISTED_MEMBERS:
            listing["members_not_listed"] = len(members) - MAX_LISTED_MEMBERS
    if report.problems:
        listing["problems"] = report.problems
    if report.stopped:
        # A zip bomb, usually: the limit that ended the walk is the reason.
        listing["stopped"] = report.stopped
    return listing


def _limits() -> Limits:
    return Limits(
        max_total_size=settings.RENKEI_ARCHIVE_MAX_BYTES,
        max_seconds=settings.RENKEI_ATTACHMENT_INSPECT_SECONDS,
    )


def attachments_build(
    files: Sequence[IncomingFile], *, raw: RawReport, passwords: Sequence[str] = ()
) -> list[Attachment]:
    """Unsaved Attachments of one report, inspected within one time budget together:
    a message of many hostile archives must not hold up the mail behind it."""
    deadline = time.monotonic() + settings.RENKEI_ATTACHMENT_INSPECT_SECONDS
    return [attachment_build(f, raw=raw, passwords=passwords, deadline=deadline) for f in files]


def attachment_build(
    file: IncomingFile, *, raw: RawReport, passwords: Sequence[str] = (),
    deadline: float | None = None,
) -> Attachment:  # fmt: skip
    """An unsaved Attachment with hashes, type and (for archives) the listing."""
    data = file.data
    inspected = inspect_attachment(
        file.filename, data, passwords=passwords, limits=_limits(), deadline=deadline
    )
    root = inspected.root
    keep = len(data) <= settings.RENKEI_ATTACHMENT_MAX_BYTES
    return Attachment(
        raw=raw,
        stored_at=timezone.now(),
        filename=file.filename[:500],
        content_type=file.content_type[:200],
        detected_type=root.filetype.mime[:200],
        description=root.filetype.description[:500],
        kind=root.filetype.kind,
        is_executable=root.is_executable,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha1=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        archive=archive_listing(inspected),
        office=root.office or {},
        data=data if keep else b"",
        data_stored=keep,
    )


def attachments_save(built: list[Attachment], *, report: Report | None) -> list[Attachment]:
    """Store attachments built (inspected) before; the caller owns the transaction."""
    for attachment in built:
        attachment.report = report
    return Attachment.objects.bulk_create(built)


def attachment_summary(attachment: Attachment) -> dict[str, Any]:
    """What Report.extra keeps about an attachment (the row has the rest)."""
    summary: dict[str, Any] = {
        "id": attachment.pk,
        "filename": attachment.filename,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "kind": attachment.kind,
    }
    if attachment.is_executable:
        summary["executable"] = True
    members = attachment.archive.get("members", [])
    if any(m.get("executable") for m in members):
        summary["contains_executable"] = True
    if attachment.office.get("has_macros"):
        summary["macros"] = True
    if attachment.archive.get("stopped"):
        summary["stopped"] = attachment.archive["stopped"]
    return summary
