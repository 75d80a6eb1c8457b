"""A notification goes out over a real SMTP conversation as PGP/MIME (RFC 3156)."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.accounts.tests.personas import PASSWORD
from renkei.coordination.directory import contact_save
from renkei.coordination.models import Contact, Notification
from renkei.coordination.tests.conftest import Keyring, SmtpSink, first_part_bytes, write
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest


def _send(client: Client, incident: Incident, contact: Contact, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(
            reverse("coordination:notify", args=[incident.ref]),
            {
                "contact": contact.pk,
                "recipient": "",
                "recipient_country": "",
                "language": contact.language,
                "basis": "site_confirmed",
                "subject": "フィッシングサイトに関する対応のお願い",
                "body": "ご担当者様\nhxxps://example[.]com/login を確認してください。\n",
            },
        )


def _analyst(personas: dict[str, User]) -> Client:
    client = Client()
    assert client.login(username="analyst", password=PASSWORD)
    return client


@pytest.mark.django_db(transaction=False)
def test_the_analyst_sends_a_notification_signed_with_the_center_key(
    personas: dict[str, User],
    smtp_server: SmtpSink,
    center_key: Keyring,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    incident = ingest(url="https://example.com/login").incident
    contact = contact_save(
        actor=personas["analyst"],
        contact=None,
        data={
            "organisation": "Example Hosting",
            "email": "Abuse@Hoster.example",
            "country": "us",
            "language": "ja",
        },
    )

    response = _send(_analyst(personas), incident, contact, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["abuse@hoster.example"]
    data = envelope.original_content
    message = email.message_from_bytes(data, policy=policy.default)
    assert f"[renkei#{incident.ref}]" in message["Subject"]
    assert message.get_content_type() == "multipart/signed"
    assert message.get_param("protocol") == "application/pgp-signature"
    assert message.get_param("micalg") == "pgp-sha256"
    signed, signature = message.get_payload()
    assert signature.get_content_type() == "application/pgp-signature"
    assert "hxxps://example[.]com/login" in signed.get_content()
    part = write(tmp_path / "part", first_part_bytes(data, message.get_boundary()))
    sig = write(tmp_path / "sig.asc", signature.get_payload(decode=True))
    verified = center_key.run("--verify", sig, part)
    assert verified.returncode == 0, verified.stderr
    assert b"Good signature" in verified.stderr
    notification = Notification.objects.get(incident=incident)
    assert (notification.status, notification.attempts, notification.recipient_country) == (
        "sent",
        1,
        "US",
    )
    incident.refresh_from_db()
    assert incident.status == "notified"
    actions = set(
        AuditEvent.objects.filter(object_id=str(incident.pk)).values_list("action", flat=True)
    )
    assert {"notification.queue", "notification.sent"} <= actions


@pytest.mark.django_db
def test_a_contact_with_a_key_gets_an_encrypted_message_that_gpg_decrypts_and_verifies(
    personas: dict[str, User],
    smtp_server: SmtpSink,
    center_key: Keyring,
    contact_key: Keyring,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    incident = ingest(url="https://example.com/login").incident
    contact = contact_save(
        actor=personas["analyst"],
        contact=None,
        data={
            "organisation": "Example Hosting",
            "email": "abuse@hoster.example",
            "country": "US",
            "language": "en",
            "pgp_public_key": contact_key.public_key(),
        },
    )
    assert contact.pgp_fingerprint == contact_key.fingerprint
    contact_key.gpg.import_keys(center_key.public_key())

    _send(_analyst(personas), incident, contact, django_capture_on_commit_callbacks)

    [envelope] = smtp_server.messages
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert message.get_content_type() == "multipart/encrypted"
    assert message.get_param("protocol") == "application/pgp-encrypted"
    control, encrypted = message.get_payload()
    assert control.get_content_type() == "application/pgp-encrypted"
    assert "Version: 1" in control.get_payload()
    assert b"hxxps" not in envelope.original_content  # nothing readable on the wire
    armored = write(tmp_path / "msg.asc", encrypted.get_payload(decode=True))
    decrypted = contact_key.run("--decrypt", armored)
    assert decrypted.returncode == 0, decrypted.stderr
    assert b"Good signature" in decrypted.stderr
    inner = email.message_from_bytes(decrypted.stdout, policy=policy.default)
    assert "hxxps://example[.]com/login" in inner.get_content()
