"""A contact's OpenPGP key is there to encrypt to: one that cannot is refused when pasted,
and a key that stopped working fails the notification with that reason."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.models import Contact
from renkei.coordination.tests.conftest import Keyring, SendNotification, SmtpSink
from renkei.incidents.tests.helpers import signed_in


def _public_key(*gen_args: str) -> Iterator[str]:
    home = tempfile.mkdtemp(prefix="rkgpg")
    gpg = ["gpg", "--homedir", home, "--batch", "--passphrase", ""]
    try:
        subprocess.run([*gpg, *gen_args], check=True, capture_output=True)
        exported = subprocess.run([*gpg, "--armor", "--export"], check=True, capture_output=True)
        yield exported.stdout.decode("ascii")
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], check=False)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def signing_only_key() -> Iterator[str]:
    yield from _public_key("--quick-gen-key", "sign@hoster.example", "ed25519", "sign", "0")


@pytest.fixture
def expired_key() -> Iterator[str]:
    yield from _public_key(
        "--faked-system-time", "20200101T000000",
        "--quick-gen-key", "old@hoster.example", "future-default", "default", "2020-06-01",
    )  # fmt: skip


def _post_contact(coordinator: User, key: str) -> Any:
    return signed_in(coordinator).post(
        reverse("coordination:contact_new"),
        {
            "organisation": "Hoster KK",
            "email": "abuse@hoster.example",
            "role": "hosting",
            "country": "JP",
            "language": "ja",
            "pgp_public_key": key,
            "notes": "",
            "active": "on",
        },
    )


@pytest.mark.django_db
def test_a_signing_only_key_is_refused_with_the_reason(
    personas: dict[str, User], center_key: Keyring, signing_only_key: str
) -> None:
    response = _post_contact(personas["coordinator"], signing_only_key)

    assert response.status_code == 200
    assert "cannot encrypt" in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_an_expired_key_is_refused_with_the_reason(
    personas: dict[str, User], center_key: Keyring, expired_key: str
) -> None:
    response = _post_contact(personas["coordinator"], expired_key)

    assert response.status_code == 200
    assert "cannot encrypt" in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_a_notification_to_a_contact_whose_key_expired_fails_saying_so(
    personas: dict[str, User],
    center_key: Keyring,
    expired_key: str,
    smtp_server: SmtpSink,
    send_notification: SendNotification,
) -> None:
    # Stored while it was still valid: the key has expired since.
    contact = Contact.objects.create(
        organisation="Hoster KK", email="abuse@hoster.example", pgp_public_key=expired_key
    )

    notification = send_notification(contact=contact, recipient=contact.email)

    assert notification.status == "failed"
    assert "cannot encrypt" in notification.error
    assert smtp_server.messages == []
