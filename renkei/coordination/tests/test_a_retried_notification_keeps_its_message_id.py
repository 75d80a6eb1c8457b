"""Every attempt at one notification carries the same Message-ID.

When the server's answer to the message is lost (a timeout after DATA), the
server may have taken it, and the retry reaches the party a second time. With
a new Message-ID each attempt, nothing downstream could tell the copies for one
message; with the same one, mail systems and readers that drop duplicates do,
and the copy the party answers names the Message-ID the notification records.
"""

from __future__ import annotations

import email
import time
from email import policy
from typing import Any

import pytest

from renkei.coordination.tests.conftest import SendNotification, SmtpSink


@pytest.mark.django_db
def test_a_message_whose_answer_was_lost_is_sent_again_with_the_same_message_id(
    smtp_server: SmtpSink, settings: Any, send_notification: SendNotification
) -> None:
    settings.RENKEI_SMTP_TIMEOUT = 0.5
    slow = [True]

    def answer_late() -> None:  # the first time only: the client gives up waiting
        if slow.pop() if slow else False:
            time.sleep(1.5)

    smtp_server.on_accept = answer_late

    notification = send_notification(recipient_country="JP")

    assert notification.status == "sent", notification.error
    assert notification.attempts >= 2
    assert len(smtp_server.messages) == 2  # the server took it twice: it said so once
    ids = {
        email.message_from_bytes(m.original_content, policy=policy.default)["Message-ID"]
        for m in smtp_server.messages
    }
    assert ids == {notification.message_id}
