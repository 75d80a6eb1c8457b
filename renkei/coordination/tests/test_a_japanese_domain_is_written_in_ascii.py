"""A recipient on a Japanese (IDN) domain is reached through its ASCII form."""

from __future__ import annotations

import email
from email import policy

import pytest
from django.core.mail import EmailMessage as DjangoEmailMessage

from renkei.coordination.models import Notification
from renkei.coordination.tests.conftest import SendNotification, SmtpSink
from renkei.lib import mail


def _queue(send: SendNotification, recipient: str) -> Notification:
    return send(
        recipient=recipient, subject="フィッシングサイトに関する対応のお願い",
        body="ご確認ください。", language="ja",
    )  # fmt: skip


@pytest.mark.django_db
def test_a_notification_to_a_japanese_domain_is_delivered_to_its_ascii_form(
    smtp_server: SmtpSink, send_notification: SendNotification
) -> None:
    notification = _queue(send_notification, "abuse@例え.jp")

    assert (notification.status, notification.error) == ("sent", "")
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["abuse@xn--r8jz45g.jp"]
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert message["To"] == "abuse@xn--r8jz45g.jp"


@pytest.mark.django_db
def test_a_domain_that_has_no_ascii_form_fails_with_the_reason_instead_of_staying_queued(
    smtp_server: SmtpSink, send_notification: SendNotification
) -> None:
    too_long_label = "あ" * 70

    notification = _queue(send_notification, f"abuse@{too_long_label}.jp")

    assert notification.status == "failed"
    assert "not a usable mail domain" in notification.error
    assert smtp_server.messages == []


def test_djangos_own_mail_to_a_named_person_on_a_japanese_domain_reaches_the_address(
    smtp_server: SmtpSink,
) -> None:
    message = DjangoEmailMessage(
        "reset", "link", "renkei@csirt.example", ["山田 太郎 <analyst@例え.jp>", "b@csirt.example"]
    )

    sent = mail.EmailBackend().send_messages([message])

    assert sent == 1
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["analyst@xn--r8jz45g.jp", "b@csirt.example"]
