"""Export then import keeps what a notification sent from the console said and to whom:
its subject, body and language, its contact and sender, how its delivery went, and
that renkei sent it (source `console`), so that after a restore it can be sent again.

The export wrote only the fields of the format's notification line: the text was lost,
the notification took its report's source, and "Notify again" was refused as for a
notification imported from elsewhere ("there is no text to send again").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from renkei.accounts.models import User
from renkei.coordination.models import Contact, Notification
from renkei.coordination.notifications import notification_queue, notification_renotify
from renkei.coordination.tests.conftest import SmtpSink
from renkei.incidents.tests.factories import ingest
from renkei.intake.exporter import export_to_file
from renkei.intake.importer import ExchangeImporter
from renkei.intake.tests.helpers import report, write_lines
from renkei.intake.tests.scenario import wipe_records

pytestmark = pytest.mark.django_db

_KEPT = (
    "source", "ref", "status", "recipient", "subject", "body", "language", "error", "attempts",
    "message_id", "contact__email", "created_by__username",
)  # fmt: skip


def _notifications() -> list[tuple[Any, ...]]:
    return list(Notification.objects.order_by("ref").values_list(*_KEPT))


def _send(analyst: User, contact: Contact, capture: Any) -> None:
    incidents = [
        ingest(url=f"https://{host}/login").incident for host in ("a.example", "b.example")
    ]
    for incident in incidents:
        with capture(execute=True):
            notification_queue(
                actor=analyst, incident=incident, recipient=contact.email, contact=contact,
                subject="テイクダウンのお願い", body="フィッシングサイトの停止をお願いします。",
                language="ja", recipient_country="JP",
            )  # fmt: skip


def _export_wipe_import(tmp_path: Path) -> None:
    path = tmp_path / "all.jsonl"
    export_to_file(path)
    wipe_records()
    assert ExchangeImporter().run(path).rejected == []


def test_a_restored_console_notification_keeps_its_text_and_can_be_sent_again(
    tmp_path: Path, personas: dict[str, User], smtp_server: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    contact = Contact.objects.create(organisation="Hosting", email="abuse@h.example", country="JP")
    smtp_server.data_replies = ["550 5.7.1 mailbox refused"]
    _send(personas["analyst"], contact, django_capture_on_commit_callbacks)
    before = _notifications()
    assert [(n[0], n[2], bool(n[7])) for n in before] == [
        ("console", "failed", True), ("console", "sent", False)
    ]  # fmt: skip

    _export_wipe_import(tmp_path)

    assert _notifications() == before
    with django_capture_on_commit_callbacks(execute=True):
        again = notification_renotify(
            actor=personas["coordinator"], original=Notification.objects.get(status="failed")
        )
    assert again.subject.startswith("【再送】 [renkei#")
    assert again.body == "フィッシングサイトの停止をお願いします。"
    assert len(smtp_server.messages) == 2


def _linked(path: Path) -> list[tuple[str, str]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [(o["contact"], o["created_by"]) for o in lines if o["kind"] == "notification"]


def test_a_contact_or_sender_this_instance_lacks_is_kept_and_exported_again(
    tmp_path: Path, personas: dict[str, User], smtp_server: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    contact = Contact.objects.create(organisation="Hosting", email="abuse@h.example")
    _send(personas["analyst"], contact, django_capture_on_commit_callbacks)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    export_to_file(first)
    wipe_records()
    Contact.objects.all().delete()
    User.objects.filter(username="analyst").update(username="someone-else")

    assert ExchangeImporter().run(first).rejected == []

    kept = Notification.objects.values_list("contact", "created_by", "extra")
    assert list(kept) == [(None, None, {"contact": "abuse@h.example", "created_by": "analyst"})] * 2
    export_to_file(second)
    assert _linked(second) == _linked(first) == [("abuse@h.example", "analyst")] * 2


def test_a_notification_line_of_an_older_export_still_imports_as_before(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "old.jsonl", [
        report("r1", "2025-04-01T10:00:00+09:00", category="phishing", url="https://c.example/"),
        {"kind": "notification", "ref": "n1", "report": "r1", "recipient": "abuse@c.example",
         "sent_at": "2025-04-02T10:00:00+09:00", "note": "kept"},
    ])  # fmt: skip

    assert ExchangeImporter().run(path).rejected == []

    notification = Notification.objects.get()
    assert (notification.source, notification.subject, notification.extra) == (
        "exchange",
        "",
        {"note": "kept"},
    )


@pytest.mark.parametrize("attempts", ["3", -1, 2**31])  # 2**31 failed a PostgreSQL batch
def test_attempts_that_are_not_a_count_reject_the_line_naming_the_field(
    tmp_path: Path, attempts: object
) -> None:
    path = write_lines(tmp_path / "bad.jsonl", [
        report("r1", "2025-04-01T10:00:00+09:00", category="phishing", url="https://d.example/"),
        {"kind": "notification", "ref": "n1", "report": "r1", "recipient": "abuse@d.example",
         "sent_at": "2025-04-02T10:00:00+09:00", "attempts": attempts},
    ])  # fmt: skip

    rejected = ExchangeImporter().run(path).rejected

    assert rejected == [(2, "field 'attempts' must be a whole number from 0 to 2147483647")]
