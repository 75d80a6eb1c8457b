"""The public report form at /submit/: no account, Japanese and English, abuse-resistant."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings

from renkei.intake.attachments import Attachment
from renkei.intake.models import RawReport, Report
from renkei.lib.archives import inspect_attachment
from renkei.lib.tests.test_archives import make_zip

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]
URL = "/submit/"


def _post(client: Client, **fields: object) -> object:
    data = {"category": "phishing", "url": "hxxps://smbc-card[.]example-phish.xyz/login",
            "ip": "", "description": "SMSで届いたリンクです", "contact_email": "",
            "website": ""} | fields  # fmt: skip
    return client.post(URL, data, REMOTE_ADDR=str(fields.get("addr", "192.0.2.10")))


def test_the_form_explains_every_category_in_japanese_by_default(client: Client) -> None:
    page = client.get(URL).content.decode()

    assert "フィッシングサイト" in page
    assert "報告を送信" in page  # the UI strings come from the project catalog (renkei/locale)
    assert "金融機関やクレジットカード会社等のサイトに似せた Web サイト" in page
    assert "制御システム関連インシデント" in page


def test_the_form_explains_every_category_in_english(client: Client) -> None:
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "A website made to look like that of a bank or a credit card company" in page
    assert "Send report" in page
    assert "Industrial control systems" in page


def test_a_submission_becomes_a_report_and_shows_its_tracking_reference(client: Client) -> None:
    response = _post(client, contact_email="taro@example.jp", contact_requested="on")

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.channel, report.category, report.category_origin) == (
        "web",
        "phishing",
        "reporter",
    )
    assert report.url == "https://smbc-card.example-phish.xyz/login"
    assert report.extra["contact_requested"] is True
    assert report.extra["contact_email"] == report.reporter == "taro@example.jp"
    assert report.ref.startswith("W-")
    done = client.get(response["Location"]).content.decode()
    assert report.ref in done
    raw = RawReport.objects.get(channel="web")
    assert raw.status == "parsed" and b"SMS" in bytes(raw.content)


def test_contact_is_not_requested_unless_ticked(client: Client) -> None:
    _post(client)

    assert Report.objects.get().extra["contact_requested"] is False


def test_hostile_text_is_stored_as_sent_and_shown_escaped(client: Client) -> None:
    script = "<script>alert(1)</script>"
    response = _post(client, url=f"https://x.example-phish.xyz/?q={script}", description=script)

    assert Report.objects.get().text == script
    done = client.get(response["Location"]).content.decode()
    assert script not in done
    assert "&lt;script&gt;" in done


def test_a_site_category_needs_a_url(client: Client) -> None:
    response = _post(client, url="")

    assert response.status_code == 200
    assert Report.objects.count() == 0
    assert RawReport.objects.count() == 0


def test_a_scan_report_takes_its_ports_from_the_description(client: Client) -> None:
    _post(
        client,
        category="scan",
        url="",
        ip="198.51.100.23",
        description="22/tcp と 3389/tcp への探索",
    )

    report = Report.objects.get()
    assert (report.ip, report.ports) == ("198.51.100.23", ["22/tcp", "3389/tcp"])


def test_a_filled_honeypot_looks_accepted_but_stores_nothing(client: Client) -> None:
    response = _post(client, website="http://spam.example")

    assert response.status_code == 302
    assert RawReport.objects.count() == 0


@override_settings(RENKEI_SUBMIT_RATE_LIMIT=2)
def test_a_client_over_the_rate_limit_is_refused_with_429(client: Client) -> None:
    assert _post(client).status_code == 302
    assert _post(client).status_code == 302

    refused = _post(client)

    assert refused.status_code == 429
    assert Report.objects.count() == 2
    assert _post(client, addr="192.0.2.99").status_code == 302  # another client


@override_settings(RENKEI_SUBMIT_RATE_LIMIT=1, RENKEI_PROXY_HOPS=1)
def test_behind_a_proxy_the_limit_counts_the_forwarded_client(client: Client) -> None:
    one = {"HTTP_X_FORWARDED_FOR": "198.51.100.1", "REMOTE_ADDR": "10.0.0.1"}
    two = {"HTTP_X_FORWARDED_FOR": "198.51.100.2", "REMOTE_ADDR": "10.0.0.1"}
    data = {"category": "other", "description": "x"}

    assert client.post(URL, data, **one).status_code == 302
    assert client.post(URL, data, **two).status_code == 302
    assert client.post(URL, data, **one).status_code == 429


def test_attachments_are_stored_hashed_and_never_served_to_the_public(client: Client) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    shot = SimpleUploadedFile("screenshot.png", png, "image/png")

    _post(client, attachments=[shot])

    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.kind) == ("screenshot.png", "image")
    assert attachment.report == Report.objects.get()
    download = client.get(f"/intake/attachments/{attachment.pk}/download/")
    assert download.status_code == 302  # to the login page


@pytest.mark.django_db(transaction=True)
def test_attachments_are_inspected_before_the_database_is_locked_for_the_report(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Listing archives can take seconds: other writers must not wait for it meanwhile.
    in_transaction = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        in_transaction.append(connection.in_atomic_block)
        return inspect_attachment(*args, **kwargs)

    monkeypatch.setattr("renkei.intake.attachments.inspect_attachment", watched)
    zipped = SimpleUploadedFile("sample.zip", make_zip({"a.txt": b"a"}), "application/zip")

    _post(client, attachments=[zipped])

    assert in_transaction == [False]
    assert Attachment.objects.get().archive["members"][0]["path"] == "sample.zip/a.txt"


@override_settings(RENKEI_SUBMIT_MAX_FILE_BYTES=1000)
def test_an_attachment_over_the_size_limit_is_refused(client: Client) -> None:
    big = SimpleUploadedFile("log.txt", b"x" * 2000, "text/plain")

    response = _post(client, attachments=[big])

    assert response.status_code == 200
    assert "log.txt" in response.content.decode()
    assert Report.objects.count() == 0


@override_settings(RENKEI_SUBMIT_MAX_FILE_BYTES=1000, RENKEI_SUBMIT_MAX_FILES=1)
def test_a_request_larger_than_any_allowed_submission_is_refused_unread(client: Client) -> None:
    huge = SimpleUploadedFile("huge.bin", b"x" * (2 * 1024 * 1024), "application/octet-stream")

    assert _post(client, attachments=[huge]).status_code == 413


@override_settings(RENKEI_SUBMIT_ENABLED=False)
def test_the_form_can_be_switched_off(client: Client) -> None:
    assert client.get(URL).status_code == 404
