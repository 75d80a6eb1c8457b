"""A damaged archive attached to a report costs nothing but its own listing: the report
and every attachment are stored, and the listing names what went wrong."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from renkei.intake.attachments import Attachment
from renkei.intake.collectors.mail import email_receive
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.mails import multipart
from renkei.lib.tests.damaged_archives import (
    zip_needing_version_9_9,
    zip_with_members_before_its_start,
    zip_with_truncated_central_directory,
)

pytestmark = pytest.mark.django_db

DAMAGED = {
    "version.zip": zip_needing_version_9_9(),
    "negative.zip": zip_with_members_before_its_start(),
    "truncated.zip": zip_with_truncated_central_directory(),
}
NOTE = ("note.txt", b"the links were in an SMS")


def _problems_by_file(report: Report) -> dict[str, str]:
    stored = Attachment.objects.filter(report=report).order_by("filename")
    return {a.filename: " ".join(a.archive.get("problems", [])) for a in stored}


def _assert_all_kept_with_their_problems(report: Report) -> None:
    problems = _problems_by_file(report)
    assert sorted(problems) == sorted([*DAMAGED, NOTE[0]])
    assert "NotImplementedError: zip file version 9.9" in problems["version.zip"]
    assert "ValueError: negative seek value" in problems["negative.zip"]
    assert "unreadable zip" in problems["truncated.zip"]
    assert problems[NOTE[0]] == ""
    assert len(report.extra["attachments"]) == 4


@pytest.mark.usefixtures("fresh_rate_limits")
@override_settings(RENKEI_SUBMIT_MAX_FILES=4)
def test_a_web_submission_with_damaged_zips_keeps_its_report_and_every_file(
    client: Client,
) -> None:
    files = [SimpleUploadedFile(n, d, "application/zip") for n, d in DAMAGED.items()]
    files.append(SimpleUploadedFile(*NOTE, "text/plain"))
    form = {"category": "other", "description": "届いた添付ファイルです", "attachments": files}

    assert client.post("/submit/", form, REMOTE_ADDR="192.0.2.10").status_code == 302

    assert RawReport.objects.get(channel="web").status == "parsed"
    _assert_all_kept_with_their_problems(Report.objects.get())


def test_a_mail_with_damaged_zips_keeps_its_report_and_every_attachment() -> None:
    attachments = [(n, "application/zip", d) for n, d in DAMAGED.items()]
    attachments.append((*NOTE[:1], "text/plain", NOTE[1]))
    raw = multipart(subject="請求書", text="添付をご確認ください", attachments=attachments)

    outcome = email_receive(raw, collector="test")

    assert outcome.status == "created"
    assert RawReport.objects.get(pk=outcome.raw_id).status == "parsed"
    _assert_all_kept_with_their_problems(Report.objects.get(pk=outcome.report_id))
