"""A recipient on a Japanese (IDN) domain is reached through its ASCII form."""

from __future__ import annotations

import email
from email import policy
from typing import Any

import pytest
from django.core.mail import EmailMessage as DjangoEmailMessage

from renkei.accounts.models import User
from renkei.coordination.models import Notification
from renkei.coordination.notifications import notification_queue
from renkei.coordination.tests.conftest import SmtpSink
from renkei.incidents.tests.factories import ingest
from renkei.lib import mail


def _queue(analyst: User, recipient: str, capture: Any) -> Notification:
    incident = ingest(url="https://example.com/login").incident
    with capture(execute=True):
        notification = notification_queue(
            actor=analyst,
            incident=incident,
            recipient=recipient,
            subject="フィッシングサイトに関する対応のお願い",
            body="ご確認ください。",
            language="ja",
        )
    notification.refresh_from_db()
    return notification


@pytest.mark.django_db
def test_a_notification_to_a_japanese_domain_is_delivered_to_its_ascii_form(
    personas: dict[str, User], smtp_server: SmtpSink, django_capture_on_commit_callbacks: Any
) -> None:
    notification = _queue(personas["analyst"], "abuse@例え.jp", django_capture_on_commit_callbacks)

    assert (notification.status, notification.error) == ("sent", "")
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["abuse@xn--r8jz45g.jp"]
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert message["To"] == "abuse@xn--r8jz45g.jp"


@pytest.mark.django_db
def test_a_domain_that_has_no_ascii_form_fails_with_the_reason_instead_of_staying_queued(
    personas: dict[str, User], smtp_server: SmtpSink, django_capture_on_commit_callbacks: Any
) -> None:
    too_long_label = "あ" * 70

    notification = _queue(
        personas["analyst"], f"abuse@{too_long_label}.jp", django_capture_on_commit_callbacks
    )

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
