"""Once the mail server has taken a notification, what happens after (QUIT) cannot resend it."""

from __future__ import annotations

from typing import Any

import pytest

from renkei.accounts.models import User
from renkei.coordination.notifications import notification_queue
from renkei.coordination.tests.conftest import SmtpSink
from renkei.incidents.tests.factories import ingest


@pytest.mark.django_db
@pytest.mark.parametrize("quit_reply", ["421 4.4.2 closing", "500 5.5.1 what?"])
def test_an_odd_reply_to_quit_after_the_message_was_taken_leaves_it_sent_once(
    personas: dict[str, User],
    smtp_server: SmtpSink,
    django_capture_on_commit_callbacks: Any,
    quit_reply: str,
) -> None:
    smtp_server.quit_reply = quit_reply
    incident = ingest(url="https://example.com/login").incident

    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_queue(
            actor=personas["analyst"],
            incident=incident,
            recipient="abuse@hoster.example",
            subject="Phishing site",
            body="Please take it down.",
            language="en",
        )

    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.error) == ("sent", 1, "")
    assert len(smtp_server.messages) == 1
