"""Export then import into an empty database: a notification the mail server refused
stays unsent, so its incident is not notified and the statistics do not count it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from renkei.accounts.models import User
from renkei.coordination.models import Notification
from renkei.coordination.notifications import notification_queue
from renkei.coordination.tests.conftest import SmtpSink
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest
from renkei.intake.exporter import export_to_file
from renkei.intake.importer import ExchangeImporter
from renkei.intake.tests.scenario import wipe_records


def _state() -> list[tuple[str, str, list[str]]]:
    return [
        (i.ref, i.status, sorted(i.notifications.values_list("status", flat=True)))
        for i in Incident.objects.order_by("ref")
    ]


@pytest.mark.django_db
def test_a_refused_notification_comes_back_failed_and_its_incident_open(
    tmp_path: Path, personas: dict[str, User], smtp_server: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    refused = ingest(url="https://a.example/login").incident
    reached = ingest(url="https://b.example/login").incident
    smtp_server.data_replies = ["550 5.7.1 refused"]
    for incident in (refused, reached):
        with django_capture_on_commit_callbacks(execute=True):
            notification_queue(
                actor=personas["analyst"], incident=incident, recipient="abuse@h.example",
                subject="Takedown", body="Please.", language="en",
            )  # fmt: skip
    before = _state()
    assert [(status, sent) for _, status, sent in before] == [
        ("open", ["failed"]), ("notified", ["sent"])
    ]  # fmt: skip
    path = tmp_path / "all.jsonl"

    export_to_file(path)
    wipe_records()
    summary = ExchangeImporter().run(path)

    assert summary.rejected == []
    assert _state() == before
    assert Notification.objects.filter(status="sent").count() == 1
