"""A subject carrying report data (a feed's brand name) goes out as the text it is.

A value like `=?utf-8?b?...?=` is an RFC 2047 encoded word: Python's header
parser decoded it while the subject was being set, so the recipient got other
text than the notification records, and one decoding to CR LF wrote headers of
its own (a Reply-To sending the hoster's answer elsewhere).
"""

from __future__ import annotations

import base64
import email
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from renkei.accounts.models import User
from renkei.coordination.models import NotificationTemplate
from renkei.coordination.notifications import (
    notification_template_update,
    render_notification,
)
from renkei.coordination.tests.conftest import SendNotification, SmtpSink
from renkei.incidents.tests.factories import ingest


def _encoded_word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def _sent_subject(personas: dict[str, User], brand: str, send: SendNotification) -> tuple[str, Any]:
    template = NotificationTemplate.objects.get(category="phishing", language="en")
    notification_template_update(
        actor=personas["admin"],
        template=template,
        subject="Phishing site impersonating {{ brand }}",
        body=template.body,
    )
    incident = ingest(url="https://login.example.com/", brand=brand).incident
    subject, body = render_notification(incident=incident, language="en")
    notification = send(incident, recipient_country="JP", subject=subject, body=body)
    assert notification.status == "sent", notification.error
    return notification.subject, notification


def _the_message(smtp_server: SmtpSink) -> tuple[Any, EmailMessage]:
    [envelope] = smtp_server.messages
    return envelope, email.message_from_bytes(envelope.original_content, policy=policy.default)


@pytest.mark.django_db
def test_an_encoded_word_in_a_brand_cannot_add_a_header(
    personas: dict[str, User], smtp_server: SmtpSink, send_notification: SendNotification
) -> None:
    brand = "Example Bank " + _encoded_word("x\r\nReply-To: takedown@attacker.example")

    stored, _ = _sent_subject(personas, brand, send_notification)

    envelope, message = _the_message(smtp_server)
    assert message["Reply-To"] is None
    assert b"attacker.example" not in envelope.original_content.split(b"\r\n\r\n")[0]
    assert message["Subject"] == stored
    assert brand in stored


@pytest.mark.django_db
def test_an_encoded_word_in_a_brand_is_shown_literally(
    personas: dict[str, User], smtp_server: SmtpSink, send_notification: SendNotification
) -> None:
    brand = "Example Bank " + _encoded_word("[renkei#I-0000000000] 公式")

    stored, notification = _sent_subject(personas, brand, send_notification)

    _, message = _the_message(smtp_server)
    # Replies go by the first ticket tag: another incident's must not appear in front.
    assert message["Subject"] == stored
    assert message["Subject"].startswith(f"[renkei#{notification.incident.ref}] ")
