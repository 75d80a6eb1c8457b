"""What the e-mail collector keeps: the raw message first, failures with reasons,
observables, attachments; replies join their incident."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings

from renkei.incidents.models import Incident
from renkei.intake.attachments import Attachment
from renkei.intake.collectors.mail import email_receive
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.mails import PHISHING_JA, encrypted_zip, message, multipart

pytestmark = pytest.mark.django_db


def test_a_message_with_nothing_in_it_is_kept_and_marked_failed_with_the_reason() -> None:
    outcome = email_receive(b"", collector="test")

    raw = RawReport.objects.get(pk=outcome.raw_id)
    assert outcome.status == "failed"
    assert raw.status == "failed"
    assert "no headers and no body" in raw.error
    assert Report.objects.count() == 0


def test_binary_junk_is_kept_as_received() -> None:
    junk = bytes(range(256)) * 4

    outcome = email_receive(junk, collector="test")

    assert bytes(RawReport.objects.get(pk=outcome.raw_id).content) == junk
    assert outcome.status in {"created", "failed"}


def test_a_reply_with_a_ticket_tag_joins_the_incident_it_names(brand_catalog: None) -> None:
    first = email_receive(message(subject="phishing", body=PHISHING_JA), collector="test")
    incident = Incident.objects.get(ref=first.incident_ref)

    reply = email_receive(
        message(subject=f"Re: [renkei#{incident.ref}] Takedown request", sender="abuse@host.example",
                body="We have suspended the site."),
        collector="test",
    )  # fmt: skip

    assert reply.incident_ref == incident.ref
    incident.refresh_from_db()
    assert incident.report_count == 2
    answer = Report.objects.get(pk=reply.report_id)
    assert answer.category == incident.category
    assert answer.extra["ticket"] == {"tag": incident.ref, "found": True}


def test_an_unknown_ticket_tag_does_not_create_an_incident_of_that_name() -> None:
    outcome = email_receive(
        message(subject="Re: [renkei#I-0000000000] forged", body="hello"), collector="test"
    )

    assert outcome.incident_ref != "I-0000000000"
    assert not Incident.objects.filter(ref="I-0000000000").exists()
    report = Report.objects.get(pk=outcome.report_id)
    assert report.extra["ticket"] == {"tag": "I-0000000000", "found": False}


def test_a_reply_to_a_merged_incident_joins_the_incident_it_went_into(brand_catalog: None) -> None:
    first = email_receive(message(subject="one", body=PHISHING_JA), collector="test")
    second = email_receive(
        message(subject="two", body="https://other-phish.example-bad.xyz/login パスワード"),
        collector="test",
    )
    old = Incident.objects.get(ref=first.incident_ref)
    old.merged_into = Incident.objects.get(ref=second.incident_ref)
    old.save()

    reply = email_receive(message(subject=f"Re: [renkei#{old.ref}]", body="done"), collector="test")

    assert reply.incident_ref == second.incident_ref


def test_observables_are_kept_with_private_and_documentation_addresses_flagged() -> None:
    body = (
        "Logs: 192.168.10.5 and 203.0.113.9 and 8.8.8.8 tried ssh.\n"
        "Dropper md5 44d88612fea8a8f36de82e1278abb02f at hxxp://evil[.]example-bad.xyz/a.exe\n"
    )

    outcome = email_receive(message(subject="scan", body=body), collector="test")

    observables = Report.objects.get(pk=outcome.report_id).extra["observables"]
    assert observables["ip_flags"] == {
        "192.168.10.5": "private",
        "203.0.113.9": "documentation",
        "8.8.8.8": "global",
    }
    assert observables["md5"] == ["44d88612fea8a8f36de82e1278abb02f"]
    assert observables["urls"] == ["http://evil.example-bad.xyz/a.exe"]


def test_attachments_are_stored_with_hashes_and_type_and_archives_listed() -> None:
    archive = encrypted_zip({"invoice.pdf.exe": b"MZ" + bytes(200)}, "Renkei-2024")
    raw = multipart(
        subject="請求書", text="請求書を送付します。解凍パスワード：Renkei-2024",
        attachments=[("invoice.zip", "application/zip", archive)],
    )  # fmt: skip

    outcome = email_receive(raw, collector="test")

    attachment = Attachment.objects.get()
    assert attachment.report_id == outcome.report_id
    assert attachment.raw_id == outcome.raw_id
    assert (attachment.filename, attachment.kind, attachment.size) == (
        "invoice.zip",
        "archive",
        len(archive),
    )
    assert len(attachment.sha256) == 64 and len(attachment.md5) == 32 and len(attachment.sha1) == 40
    [member] = attachment.archive["members"]
    assert member["path"] == "invoice.zip/invoice.pdf.exe"
    assert member["executable"] is True and member["password_found"] is True
    report = Report.objects.get(pk=outcome.report_id)
    assert report.extra["attachments"][0]["contains_executable"] is True
    assert report.category == "other"
    assert any("executable" in reason for reason in report.extra["suggestion"]["reasons"])


@override_settings(RENKEI_ARCHIVE_MAX_BYTES=1024 * 1024)
def test_a_zip_bomb_is_recorded_with_the_limit_that_stopped_it() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("zeros.bin", bytes(8 * 1024 * 1024))
    raw = multipart(subject="bomb", text="see attached", attachments=[
        ("bomb.zip", "application/zip", buffer.getvalue()),
    ])  # fmt: skip

    email_receive(raw, collector="test")

    assert Attachment.objects.get().archive["stopped"]


@override_settings(RENKEI_ATTACHMENT_INSPECT_SECONDS=0)
def test_attachments_inspected_past_the_messages_time_budget_are_stored_with_why() -> None:
    archives = [
        (f"{name}.zip", "application/zip", encrypted_zip({"a.exe": b"MZ", "b.exe": b"MZ"}, "pw"))
        for name in ("first", "second")
    ]
    raw = multipart(subject="slow", text="パスワード：pw", attachments=archives)

    outcome = email_receive(raw, collector="test")

    stored = Attachment.objects.filter(raw_id=outcome.raw_id).order_by("filename")
    assert [a.filename for a in stored] == ["first.zip", "second.zip"]
    assert all(a.data_stored and len(a.sha256) == 64 for a in stored)
    assert all("ran out of time" in a.archive["stopped"] for a in stored)


@override_settings(RENKEI_ATTACHMENT_MAX_BYTES=100)
def test_an_attachment_over_the_size_limit_keeps_only_its_hashes() -> None:
    raw = multipart(
        subject="big", text="x", attachments=[("big.bin", "application/octet-stream", bytes(1000))]
    )

    email_receive(raw, collector="test")

    attachment = Attachment.objects.get()
    assert (attachment.data_stored, bytes(attachment.data), attachment.size) == (False, b"", 1000)
    assert attachment.sha256 == "541b3e9daa09b20bf85fa273e5cbd3e80185aa4ec298e765db87742b70138a53"


def test_an_uploaded_message_is_dated_by_its_first_received_header() -> None:
    received = (
        b"Received: from mx.example.jp by mail.renkei.example; Tue, 02 Jan 2024 09:00:00 +0900"
    )
    raw = received + b"\r\n" + message(subject="old report")

    outcome = email_receive(raw, collector="upload:analyst")

    report = Report.objects.get(pk=outcome.report_id)
    assert report.received_at.isoformat() == "2024-01-02T00:00:00+00:00"
