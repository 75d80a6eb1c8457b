"""A recipient is one mailbox: a list or a line break fails the notification, saying why.

The queue takes any text with an @ from its callers (a reminder re-sends the
recipient of an imported notification). A list went out with every address
in To, though the envelope reached only the first; a line break made the
mailer raise ValueError and the notification stayed queued without a reason.
A name with the address is no address either (the notify form takes none).
"""

from __future__ import annotations

import pytest

from renkei.coordination.tests.conftest import SendNotification, SmtpSink


@pytest.mark.django_db
@pytest.mark.parametrize(
    "recipient",
    [
        "abuse@hoster.example, ceo@victim.example",
        "abuse@hoster.example\r\nBcc: ceo@victim.example",
        "Hoster <abuse@hoster.example>",
    ],
)
def test_a_recipient_that_is_not_one_address_fails_and_nothing_is_sent(
    smtp_server: SmtpSink, send_notification: SendNotification, recipient: str
) -> None:
    notification = send_notification(recipient=recipient, recipient_country="JP")

    assert notification.status == "failed"
    assert "not one e-mail address" in notification.error
    assert smtp_server.messages == []
