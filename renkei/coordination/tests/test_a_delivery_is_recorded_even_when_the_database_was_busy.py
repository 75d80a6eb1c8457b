"""A notification the mail server took is recorded as sent, even if the database was
locked or away just then: left queued, it would be shown as stuck and sent again."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Any

import pytest
from django.db import connection

from renkei.accounts.models import User
from renkei.coordination.models import NotificationStatus
from renkei.coordination.notifications import notification_queue
from renkei.coordination.tests.conftest import SendNotification, SmtpSink, free_port
from renkei.incidents.models import IncidentStatus
from renkei.incidents.tests.factories import ingest


def _lock_the_database_for_a_while() -> None:
    """Another writer takes the lock (and keeps it 1.5 s) before the server says 250."""
    locked = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(1.5)
        other.execute("ROLLBACK")
        other.close()

    threading.Thread(target=hold, daemon=True).start()
    locked.wait(5)


@pytest.mark.django_db(transaction=True)
def test_a_delivery_is_recorded_after_the_database_lock_is_released(
    smtp_server: SmtpSink, send_notification: SendNotification
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("optional: another writer's lock is a SQLite matter")
    smtp_server.on_accept = _lock_the_database_for_a_while
    incident = ingest(url="https://example.com/login").incident
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 100")  # fail fast, as after a long outage

    notification = send_notification(incident)

    incident.refresh_from_db()
    assert len(smtp_server.messages) == 1
    assert notification.status == NotificationStatus.SENT and notification.message_id
    assert incident.status == IncidentStatus.NOTIFIED


@pytest.mark.django_db
def test_a_queue_that_cannot_be_reached_leaves_the_notification_queued_without_an_error(
    personas: dict[str, User], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Redis down: the notification and its audit record are committed; the enqueue
    # after the commit raised into the analyst's request (a 500 for a saved notification).
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{free_port()}/0"}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    incident = ingest(url="https://example.com/login").incident
    logged: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = logged.append  # type: ignore[method-assign]
    logging.getLogger("renkei.coordination.notifications").addHandler(handler)

    try:
        with django_capture_on_commit_callbacks(execute=True):
            notification = notification_queue(
                actor=personas["analyst"], incident=incident, recipient="abuse@hoster.example",
                subject="Phishing site", body="Please take it down.", language="en",
            )  # fmt: skip
    finally:
        logging.getLogger("renkei.coordination.notifications").removeHandler(handler)

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.QUEUED and notification.attempts == 0
    assert [r.getMessage() for r in logged] == [
        f"notification {notification.pk} is queued but no worker was told of it"
    ]
