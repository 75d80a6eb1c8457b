"""A NUL character (U+0000) is stored as U+FFFD: PostgreSQL text and jsonb cannot hold it.

Every channel's text passes the experts (`prepare_fields`); the raw report
keeps the bytes as they came.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from renkei.accounts.models import User
from renkei.coordination.models import Notification
from renkei.incidents.models import Brand
from renkei.intake.models import Report
from renkei.intake.tests.helpers import import_objects, report
from renkei.intake.tests.receiving import api_post, mailed_report

pytestmark = pytest.mark.django_db


def test_an_import_line_with_nul_in_its_text_is_imported_with_the_rest(tmp_path: Path) -> None:
    lines = [
        report(f"g{n}", "2025-04-01T10:00:00Z", category="phishing", url=f"https://g{n}.example/")
        for n in range(20)
    ]
    lines.insert(10, report("nul", "2025-04-01T10:00:00Z", category="other", text="a\x00b",
                            reporter="r\x00", note={"k\x00": "v\x00"}))  # fmt: skip

    summary = import_objects(tmp_path, lines)

    assert not summary.rejected and Report.objects.count() == 21
    stored = Report.objects.get(ref="nul")
    assert (stored.text, stored.reporter) == ("a\ufffdb", "r\ufffd")
    assert stored.extra == {"note": {"k\ufffd": "v\ufffd"}}
    assert b'"a\\u0000b"' in bytes(stored.raw.content)[stored.raw_offset :]


def test_brands_and_notifications_with_nul_are_imported_too(tmp_path: Path) -> None:
    summary = import_objects(tmp_path, [
        {"kind": "brand", "name": "Ex\x00ample", "aliases": ["ex\x00"]},
        report("r1", "2025-04-01T10:00:00Z", category="phishing", url="https://a.example/"),
        {"kind": "notification", "ref": "n1", "report": "r1", "sent_at": "2025-04-02T00:00:00Z",
         "recipient": "abuse\x00@example.net"},
    ])  # fmt: skip

    assert not summary.rejected
    assert Brand.objects.filter(name="Ex\ufffdample").exists()
    assert Notification.objects.get().recipient == "abuse\ufffd@example.net"


def test_an_api_report_with_nul_is_created_and_its_batch_neighbours_too(
    client: Client, personas: dict[str, User]
) -> None:
    batch = {"reports": [
        {"ref": "a1", "category": "other", "text": "x\x00y", "extra": {"k": "\x00"}},
        {"ref": "a2", "category": "scan", "ip": "198.51.100.7", "ports": ["22/tcp"]},
    ]}  # fmt: skip

    response = api_post(client, personas["analyst"], "/reports/batch", batch)

    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["created", "created"]
    stored = Report.objects.get(ref="a1")
    assert (stored.text, stored.extra) == ("x\ufffdy", {"k": "\ufffd"})


def test_an_e_mail_with_nul_in_subject_and_body_is_stored_with_the_bytes_it_came_with() -> None:
    raw = (
        b"From: n@example.org\r\nSubject: nul\x00here\r\n\r\n"
        b"body with \x00 nul http://nul.example.com/a\x00b\r\n"
    )

    stored = mailed_report(raw)

    assert "\x00" not in stored.text and "\ufffd" in stored.text
    assert stored.extra["mail"]["subject"] == "nul\ufffdhere"
    assert bytes(stored.raw.content) == raw
