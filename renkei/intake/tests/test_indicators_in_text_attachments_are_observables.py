"""Indicators in a text attachment (a list of URLs, a log, a CSV) are observables.

Reporters attach what they saw rather than paste it: `iocs.txt` with the
phishing URLs, the web server's `access.log` with the scanning address. Only
the message text and HTML attachments were searched, so the report listed none
of them and the suggestion had no URL or address to propose.
"""

from __future__ import annotations

import pytest

from renkei.intake.collectors.mail import email_receive
from renkei.intake.models import Report
from renkei.intake.tests.mails import multipart

pytestmark = pytest.mark.django_db

IOCS = (
    "フィッシングサイト：\nhxxps://login-verify[.]example-bad[.]xyz/signin\n203.0.113.77\n".encode(
        "shift_jis"
    )
)
LOG = b'198.51.100.23 - - [01/Apr/2024:10:00:00 +0900] "GET /wp-login.php HTTP/1.1" 404 0\n'
CSV = "種別,値\nurl,https://csv.example-bad.top/a\n".encode()


def test_text_attachments_are_searched_for_observables() -> None:
    raw = multipart(
        subject="report",
        text="詳細は添付をご覧ください。",
        attachments=[
            ("iocs.txt", "text/plain", IOCS),
            ("access.log", "application/octet-stream", LOG),
            ("list.csv", "text/csv", CSV),
        ],
    )

    outcome = email_receive(raw, collector="test")

    observables = Report.objects.get(pk=outcome.report_id).extra["observables"]
    assert observables["urls"] == [
        "https://login-verify.example-bad.xyz/signin",
        "https://csv.example-bad.top/a",
    ]
    assert observables["ipv4"] == ["203.0.113.77", "198.51.100.23"]


def test_a_binary_attachment_is_not_read_as_text() -> None:
    raw = multipart(
        subject="report",
        text="see the attachment",
        attachments=[("a.bin", "application/octet-stream", b"\x00\x01 https://bin.example.com/")],
    )

    outcome = email_receive(raw, collector="test")

    assert "urls" not in Report.objects.get(pk=outcome.report_id).extra["observables"]


def test_the_headers_of_a_forwarded_message_do_not_list_its_relays() -> None:
    headers = (
        b"Received: from relay.example.net (relay.example.net [192.0.2.200])\r\n"
        b"From: Amazon <no-reply@example-bad.xyz>\r\nSubject: verify\r\n\r\n"
    )
    raw = multipart(
        subject="fwd", text="see below", attachments=[("", "text/rfc822-headers", headers)]
    )

    outcome = email_receive(raw, collector="test")

    assert "ipv4" not in Report.objects.get(pk=outcome.report_id).extra["observables"]
