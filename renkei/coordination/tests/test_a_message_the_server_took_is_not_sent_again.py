"""Once the mail server has taken a notification, what happens after (QUIT) cannot resend it."""

from __future__ import annotations

import pytest

from renkei.coordination.tests.conftest import SendNotification, SmtpSink


@pytest.mark.django_db
@pytest.mark.parametrize("quit_reply", ["421 4.4.2 closing", "500 5.5.1 what?"])
def test_an_odd_reply_to_quit_after_the_message_was_taken_leaves_it_sent_once(
    smtp_server: SmtpSink, send_notification: SendNotification, quit_reply: str
) -> None:
    smtp_server.quit_reply = quit_reply

    notification = send_notification()

    assert (notification.status, notification.attempts, notification.error) == ("sent", 1, "")
    assert len(smtp_server.messages) == 1
