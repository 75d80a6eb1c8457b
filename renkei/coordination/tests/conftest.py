"""A real SMTP server on a local port and throwaway OpenPGP keyrings."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gnupg
import pytest
from aiosmtpd.controller import Controller

from renkei.coordination.models import Notification
from renkei.coordination.notifications import notification_queue
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest
from renkei.lib import pgp


@dataclass
class SmtpSink:
    """Accepts mail, or answers with the replies queued in `data_replies` first;
    answers QUIT with `quit_reply`."""

    messages: list[Any] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)
    quit_reply: str = "221 Bye"
    # Called when a message is taken, before the reply (something else happening then).
    on_accept: Callable[[], None] | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        self.messages.append(envelope)
        if self.on_accept is not None:
            self.on_accept()
        return "250 2.0.0 accepted"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        return self.quit_reply


# What an analyst's notification says when a test has no reason to say otherwise.
NOTIFICATION = {
    "recipient": "abuse@hoster.example", "subject": "Phishing site",
    "body": "Please take it down.", "language": "en",
}  # fmt: skip
SendNotification = Callable[..., Notification]


@pytest.fixture
def send_notification(
    personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> SendNotification:
    """`send(incident=None, **fields)`: queued by the analyst (about a new incident when
    none is given), delivered as the worker would after the commit; as recorded then."""

    def send(incident: Incident | None = None, **fields: Any) -> Notification:
        incident = incident or ingest(url="https://example.com/login").incident
        with django_capture_on_commit_callbacks(execute=True):
            notification = notification_queue(
                actor=personas["analyst"], incident=incident, **(NOTIFICATION | fields)
            )
        notification.refresh_from_db()
        return notification

    return send


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Personas are created for every test; PBKDF2's deliberate slowness is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    """Run background tasks in-process, whatever the environment chose.

    (Settings are read before the root conftest can set RENKEI_TASKS_BACKEND;
    django_tasks resets its backends when TASKS changes.)
    """
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpSink]:
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.RENKEI_SMTP_HOST, settings.RENKEI_SMTP_PORT = "127.0.0.1", controller.port
    settings.RENKEI_SMTP_STARTTLS = False
    settings.RENKEI_NOTIFY_RETRY_SECONDS = 0
    try:
        yield sink
    finally:
        controller.stop()


@dataclass
class Keyring:
    home: str
    fingerprint: str
    gpg: gnupg.GPG

    def public_key(self) -> str:
        return str(self.gpg.export_keys(self.fingerprint))

    def run(self, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["gpg", "--homedir", self.home, "--batch", *args],
            input=stdin,
            capture_output=True,
            check=False,
        )


def make_keyring(email: str) -> Keyring:
    home = tempfile.mkdtemp(prefix="rkgpg")  # short: gpg-agent's socket path has a length limit
    gpg = gnupg.GPG(gnupghome=home)
    spec = gpg.gen_key_input(
        key_type="EDDSA",
        key_curve="ed25519",
        subkey_type="ECDH",
        subkey_curve="cv25519",
        subkey_usage="encrypt",
        name_email=email,
        no_protection=True,
        expire_date=0,
    )
    key = gpg.gen_key(spec)
    assert key.fingerprint, key.stderr
    return Keyring(home, key.fingerprint, gpg)


def drop_keyring(ring: Keyring) -> None:
    subprocess.run(["gpgconf", "--homedir", ring.home, "--kill", "gpg-agent"], check=False)
    shutil.rmtree(ring.home, ignore_errors=True)


@pytest.fixture
def center_key(settings: Any) -> Iterator[Keyring]:
    """The center's signing key, in the keyring renkei uses (RENKEI_GPG_HOME)."""
    ring = make_keyring("csirt@renkei.example")
    settings.RENKEI_GPG_HOME, settings.RENKEI_GPG_KEY_ID = ring.home, ring.fingerprint
    pgp.keyring.cache_clear()
    yield ring
    pgp.keyring.cache_clear()
    drop_keyring(ring)


@pytest.fixture
def contact_key() -> Iterator[Keyring]:
    """A contact's own keyring, with the secret key that decrypts what we send them."""
    ring = make_keyring("abuse@hoster.example")
    yield ring
    drop_keyring(ring)


def first_part_bytes(data: bytes, boundary: str) -> bytes:
    """The exact bytes of the first MIME part: what a multipart/signed signature covers."""
    start = data.index(b"--" + boundary.encode() + b"\r\n") + len(boundary) + 4
    end = data.index(b"\r\n--" + boundary.encode(), start)
    return data[start:end]


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)
