"""FAX and telephone reports typed in by staff join incidents like any other report."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in
from renkei.intake.models import Report

SCAN = b"%PDF-1.4 scanned fax page \x00\x01\x02"


def _form(**extra: object) -> dict[str, object]:
    return {
        "channel": "fax",
        "received_at": "2025-04-02T09:30",
        "reporter": "ABC Bank",
        "category": "phishing",
        "url": "hxxps://EXAMPLE[.]com/login",
        "ip": "",
        "ports": "",
        "brand": "Example Bank",
        "text": "Customer forwarded a phishing SMS.",
        **extra,
    }


@pytest.mark.django_db
def test_a_fax_with_its_scan_joins_the_incident_of_the_same_site(personas: dict[str, User]) -> None:
    existing = ingest(url="https://example.com/login", at="2025-04-01T10:00:00+09:00").incident
    scan = SimpleUploadedFile("fax.pdf", SCAN, content_type="application/pdf")

    response = signed_in(personas["analyst"]).post(reverse("incidents:manual"), _form(scan=scan))

    assert response.status_code == 302 and response["Location"].endswith(
        f"/incidents/{existing.ref}/"
    )
    report = Report.objects.get(channel="fax")
    assert report.incident_id == existing.pk and report.url == "https://example.com/login"
    assert bytes(report.raw.content) == SCAN and report.raw.content_type == "application/pdf"
    assert report.raw.status == "parsed" and report.extra == {"entered_by": "analyst"}
    assert AuditEvent.objects.filter(action="report.ingest", actor=personas["analyst"]).exists()


@pytest.mark.django_db
def test_a_phone_report_without_a_scan_keeps_the_entered_fields_as_its_raw_content(
    personas: dict[str, User],
) -> None:
    signed_in(personas["coordinator"]).post(
        reverse("incidents:manual"),
        _form(channel="phone", category="scan", url="", ip="192.0.2.1", ports="22/tcp 23"),
    )
    report = Report.objects.get(channel="phone")
    assert report.raw.content_type == "application/json"
    assert b'"ip": "192.0.2.1"' in bytes(report.raw.content)
    assert report.incident.ports == ["22/tcp", "23/tcp"]


@pytest.mark.django_db
def test_a_report_that_cannot_be_read_is_kept_with_the_reason_and_the_form_says_why(
    personas: dict[str, User],
) -> None:
    response = signed_in(personas["analyst"]).post(
        reverse("incidents:manual"), _form(url="http://exa mple.com/")
    )
    assert response.status_code == 200 and "not a valid" in response.content.decode()
    assert not Report.objects.exists()
    from renkei.intake.models import RawReport

    assert RawReport.objects.get(channel="fax").status == "failed"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["outsider", "participant_b"])
def test_only_staff_enter_reports(personas: dict[str, User], who: str) -> None:
    assert signed_in(personas[who]).post(reverse("incidents:manual"), _form()).status_code == 403
    assert not Report.objects.exists()
