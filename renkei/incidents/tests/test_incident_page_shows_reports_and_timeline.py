"""The incident page: every report with its bytes as received, and one merged timeline."""

from __future__ import annotations

import io

import pytest
import pyzipper
from django.urls import reverse

from renkei.accounts.models import User
from renkei.incidents.models import IncidentMerge
from renkei.incidents.services import incident_classify
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_the_page_shows_reports_raw_content_and_a_timeline_of_changes(
    personas: dict[str, User],
) -> None:
    report = ingest(url="hxxps://example[.]com/login", text="seen in an SMS", brand="Example Bank")
    incident = report.incident
    incident_classify(actor=personas["analyst"], incidents=[incident], category="malware_site")

    page = (
        signed_in(personas["analyst"])
        .get(reverse("incidents:detail", args=[incident.ref]))
        .content.decode()
    )

    assert "hxxps://example[.]com/login" in page and "https://example.com/login" in page
    assert "seen in an SMS" in page
    assert "&quot;kind&quot;: &quot;report&quot;" in page  # the raw JSON bytes, escaped
    timeline = page.split('id="timeline"')[1]
    assert timeline.index("カテゴリ変更") < timeline.index('class="report"')  # newest first
    raw = signed_in(personas["analyst"]).get(reverse("incidents:raw", args=[report.pk]))
    # As the raw reports and attachments are: inside a zip encrypted with "infected".
    assert raw["Content-Disposition"] == f'attachment; filename="report-{report.pk}.zip"'
    assert b'"kind": "report"' not in raw.content
    with pyzipper.AESZipFile(io.BytesIO(raw.content)) as archive:
        archive.setpassword(b"infected")
        assert archive.namelist() == [f"report-{report.pk}.bin"]
        assert archive.read(f"report-{report.pk}.bin") == report.raw_bytes()
    assert (
        signed_in(personas["outsider"]).get(reverse("incidents:raw", args=[report.pk])).status_code
        == 403
    )


@pytest.mark.django_db
def test_merge_and_undo_through_the_pages(personas: dict[str, User]) -> None:
    a = ingest(url="https://a.example/x").incident
    b = ingest(url="https://b.example/x").incident
    client = signed_in(personas["analyst"])
    response = client.post(reverse("incidents:merge", args=[a.ref]), {"refs": b.ref.lower()})
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    merge = IncidentMerge.objects.get()
    client.post(reverse("incidents:unmerge", args=[merge.pk]))
    b.refresh_from_db()
    assert b.merged_into_id is None and b.status == "open"
    assert (
        signed_in(personas["outsider"])
        .post(reverse("incidents:merge", args=[a.ref]), {"refs": b.ref})
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_split_through_the_page(personas: dict[str, User]) -> None:
    first = ingest(url="https://a.example/x", at="2025-04-01T10:00:00+09:00")
    second = ingest(url="https://a.example/x", at="2025-04-02T10:00:00+09:00")
    response = signed_in(personas["analyst"]).post(
        reverse("incidents:split", args=[first.incident.ref]), {"reports": [str(second.pk)]}
    )
    second.refresh_from_db()
    assert second.incident_id != first.incident_id
    assert response["Location"].endswith(f"/incidents/{second.incident.ref}/")
