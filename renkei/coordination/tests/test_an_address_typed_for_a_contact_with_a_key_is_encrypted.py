"""A notification to an address the directory holds a key for is encrypted, however
the address came into the form.

The key was taken from the contact chosen in the form only: an analyst who typed
the hoster's address (or pasted it from the report) instead of picking it from the
list sent the report data in clear, signed, to a party whose key the directory has.
"""

from __future__ import annotations

import email
from email import policy
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from renkei.accounts.models import User
from renkei.accounts.tests.personas import PASSWORD
from renkei.coordination.directory import contact_save
from renkei.coordination.models import Contact, Notification
from renkei.coordination.tests.conftest import Keyring, SmtpSink
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest


def _hoster_with_a_key(analyst: User, key: Keyring) -> Contact:
    return contact_save(
        actor=analyst, contact=None,
        data={"organisation": "Example Hosting", "email": "abuse@hoster.example",
              "country": "US", "language": "en", "pgp_public_key": key.public_key()},
    )  # fmt: skip


def _analyst() -> Client:
    client = Client()
    assert client.login(username="analyst", password=PASSWORD)
    return client


def _notify(
    client: Client, incident: Incident, contact: str, recipient: str, *, follow: bool = False
) -> Any:
    """The notify form posted as an analyst fills it in."""
    return client.post(
        reverse("coordination:notify", args=[incident.ref]),
        {"contact": contact, "recipient": recipient, "recipient_country": "US",
         "language": "en", "basis": "site_confirmed", "subject": "Phishing site",
         "body": "Please take down hxxps://example[.]com/login\n"},
        follow=follow,
    )  # fmt: skip


@pytest.mark.django_db
def test_a_typed_address_of_a_contact_with_a_key_gets_an_encrypted_message(
    personas: dict[str, User],
    smtp_server: SmtpSink,
    center_key: Keyring,
    contact_key: Keyring,
    django_capture_on_commit_callbacks: Any,
) -> None:
    incident = ingest(url="https://example.com/login").incident
    contact = _hoster_with_a_key(personas["analyst"], contact_key)
    client = _analyst()

    with django_capture_on_commit_callbacks(execute=True):
        response = _notify(client, incident, "", "Abuse@Hoster.example")

    assert response.status_code == 302
    [envelope] = smtp_server.messages
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert message.get_content_type() == "multipart/encrypted"
    assert b"hxxps" not in envelope.original_content
    notification = Notification.objects.get(incident=incident)
    assert (notification.status, notification.contact) == ("sent", contact)


@pytest.mark.django_db
def test_a_contact_chosen_with_another_address_typed_is_refused_and_nothing_sent(
    personas: dict[str, User],
    smtp_server: SmtpSink,
    center_key: Keyring,
    contact_key: Keyring,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # It would have gone to the typed address encrypted to the contact's key: unreadable there.
    incident = ingest(url="https://example.com/login").incident
    contact = _hoster_with_a_key(personas["analyst"], contact_key)
    client = _analyst()

    with django_capture_on_commit_callbacks(execute=True):
        response = _notify(client, incident, str(contact.pk), "noc@other.example", follow=True)

    assert smtp_server.messages == []
    assert not Notification.objects.filter(incident=incident).exists()
    with translation.override(personas["analyst"].language):
        said = gettext(
            "%(to)s is not the address of %(organisation)s (%(email)s): choose the "
            "contact that has it, or no contact."
        ) % {"to": "noc@other.example", "organisation": "Example Hosting",
             "email": "abuse@hoster.example"}  # fmt: skip
    assert said in response.content.decode()
