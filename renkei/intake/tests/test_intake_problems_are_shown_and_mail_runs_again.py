"""/intake/problems/: what arrived but did not become a report, for analysts; e-mail runs again."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
import pyzipper
from django.utils import translation

from renkei.accounts.models import AuditEvent, User
from renkei.incidents.tests.helpers import signed_in
from renkei.intake.collectors.mail import MAIL_SOURCE, MESSAGE_RFC822, email_receive
from renkei.intake.models import RawReport, RawStatus, Report
from renkei.intake.reprocess import PAGE_SIZE, raw_report_reprocess
from renkei.intake.services import raw_report_mark, raw_report_store
from renkei.intake.tests.mails import message
from renkei.lib.errors import ValidationError

pytestmark = pytest.mark.django_db
PAGE = "/intake/problems/"


def _mail_that_failed(
    reason: str, body: str = "https://a.example-phish.xyz/ ログイン"
) -> RawReport:
    """A message stored as received whose processing failed (say, the database went away)."""
    raw = raw_report_store(
        channel="email", source=MAIL_SOURCE, content=message(body=body),
        content_type=MESSAGE_RFC822,
    )  # fmt: skip
    raw_report_mark(raw.pk, status=RawStatus.FAILED, error=reason)
    return raw


def test_failed_and_never_processed_raw_reports_are_listed_escaped(
    personas: dict[str, User],
) -> None:
    failed = _mail_that_failed("<script>alert(1)</script> database is locked")
    stuck = raw_report_store(channel="api", source="api:x", content=b"{}", content_type="a/b")
    RawReport.objects.filter(pk=stuck.pk).update(stored_at=stuck.stored_at - timedelta(hours=1))
    fresh = raw_report_store(channel="api", source="api:x", content=b"{}", content_type="a/b")
    email_receive(message(body="fine"), collector="test")  # parsed: not a problem
    client = signed_in(personas["analyst"])

    page = client.get(PAGE).content.decode()

    assert f'id="raw-{failed.pk}"' in page and f'id="raw-{stuck.pk}"' in page
    assert f'id="raw-{fresh.pk}"' not in page  # still being processed, perhaps
    assert page.count('id="raw-') == 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt; database is locked" in page
    assert "<script>alert(1)" not in page
    only_api = client.get(PAGE, {"channel": "api"}).content.decode()
    assert f'id="raw-{stuck.pk}"' in only_api and f'id="raw-{failed.pk}"' not in only_api
    unknown = client.get(PAGE, {"channel": "<b>nope</b>"}).content.decode()
    assert "&lt;b&gt;nope&lt;/b&gt;" in unknown and unknown.count('id="raw-') == 2


def test_the_list_pages_by_cursor_newest_first(personas: dict[str, User]) -> None:
    raws = [_mail_that_failed(f"failure {n}", body=f"message {n}") for n in range(PAGE_SIZE + 1)]
    client = signed_in(personas["analyst"])

    first = client.get(PAGE)
    older = re.search(r'href="\?([^"]*after=[^"]*)"', first.content.decode())
    assert older, "no link to the older page"
    second = client.get(f"{PAGE}?{html.unescape(older.group(1))}")

    shown = [r.pk for r in first.context["raws"]] + [r.pk for r in second.context["raws"]]
    assert shown == [r.pk for r in reversed(raws)]
    assert not second.context["next_cursor"]


def test_a_failed_mail_runs_again_into_a_report_and_the_run_is_audited(
    personas: dict[str, User],
) -> None:
    raw = _mail_that_failed("OperationalError: database is locked")
    client = signed_in(personas["analyst"])

    response = client.post(f"/intake/raw/{raw.pk}/reprocess/")

    report = Report.objects.get(raw=raw)
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{report.incident.ref}/"
    raw.refresh_from_db()
    assert (raw.status, raw.error) == ("parsed", "")
    event = AuditEvent.objects.get(action="raw_report.reprocess")
    assert event.actor == personas["analyst"] and event.before["status"] == "failed"
    assert client.post(f"/intake/raw/{raw.pk}/reprocess/").status_code == 302  # refused:
    assert Report.objects.filter(raw=raw).count() == 1  # processed already


def test_a_mail_that_fails_again_stays_listed_with_its_new_reason(
    personas: dict[str, User],
) -> None:
    raw = raw_report_store(
        channel="email", source=MAIL_SOURCE, content=b"", content_type=MESSAGE_RFC822
    )
    raw_report_mark(raw.pk, status=RawStatus.FAILED, error="old reason")
    client = signed_in(personas["analyst"])

    page = client.post(f"/intake/raw/{raw.pk}/reprocess/", follow=True).content.decode()

    raw.refresh_from_db()
    assert raw.status == "failed" and raw.error.startswith("not parsed")
    assert f'id="raw-{raw.pk}"' in page and "not parsed" in page


def test_only_mail_runs_again(personas: dict[str, User]) -> None:
    raw = raw_report_store(channel="api", source="api:x", content=b"{}", content_type="a/b")
    raw_report_mark(raw.pk, status=RawStatus.FAILED, error="refused")
    client = signed_in(personas["analyst"])

    page = client.get(PAGE).content.decode()
    client.post(f"/intake/raw/{raw.pk}/reprocess/")

    assert f"/intake/raw/{raw.pk}/reprocess/" not in page
    assert RawReport.objects.get(pk=raw.pk).error == "refused"


def test_a_raw_report_downloads_only_as_a_zip_with_the_password_infected(
    personas: dict[str, User],
) -> None:
    raw = _mail_that_failed("x")
    client = signed_in(personas["analyst"])

    response = client.get(f"/intake/raw/{raw.pk}/download/")

    assert response["Content-Type"] == "application/zip"
    with pyzipper.AESZipFile(io.BytesIO(response.content)) as archive:
        archive.setpassword(b"infected")
        assert archive.read(f"raw-{raw.pk}.bin") == bytes(raw.content)


def test_the_outsider_sees_none_of_it(personas: dict[str, User]) -> None:
    raw = _mail_that_failed("x")
    client = signed_in(personas["outsider"])

    assert client.get(PAGE).status_code == 403
    assert client.get(f"/intake/raw/{raw.pk}/download/").status_code == 403
    assert client.post(f"/intake/raw/{raw.pk}/reprocess/").status_code == 403
    assert RawReport.objects.get(pk=raw.pk).status == "failed"


def test_a_second_run_started_before_the_first_finished_finds_it_processed(
    personas: dict[str, User],
) -> None:
    raw = _mail_that_failed("OperationalError: database is locked")
    seen_by_the_second = RawReport.objects.get(pk=raw.pk)  # loaded while still failed
    raw_report_reprocess(actor=personas["analyst"], raw=raw)

    with translation.override("en"), pytest.raises(ValidationError, match="processed already"):
        raw_report_reprocess(actor=personas["analyst"], raw=seen_by_the_second)

    assert RawReport.objects.get(pk=raw.pk).status == "parsed"
    assert Report.objects.filter(raw=raw).count() == 1
