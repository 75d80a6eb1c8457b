"""Notifications reach the mail server over TLS with its certificate verified: STARTTLS
(the default, port 587) or TLS from the first byte (SMTPS, port 465), against the
installation's own CA where it names one; an unverifiable server gets no mail."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from renkei.coordination.tests.conftest import SendNotification, SmtpSink, free_port


@dataclass
class Pki:
    ca_file: Path
    cert_file: Path
    key_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _sign(subject: str, key: Any, issuer: str, issuer_key: Any, *, ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject)).issuer_name(_name(issuer))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )  # fmt: skip
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True)
    else:
        names = x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))])
        builder = builder.add_extension(names, critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """An in-house CA and the mail server's certificate for 127.0.0.1."""
    where = tmp_path_factory.mktemp("pki")
    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = _sign("renkei test CA", ca_key, "renkei test CA", ca_key, ca=True)
    server = _sign("127.0.0.1", server_key, "renkei test CA", ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (where / "ca.pem").write_bytes(ca.public_bytes(pem))
    (where / "server.pem").write_bytes(server.public_bytes(pem))
    (where / "server.key").write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return Pki(where / "ca.pem", where / "server.pem", where / "server.key")


def _server_context(pki: Pki) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert_file, pki.key_file)
    return context


@pytest.fixture(params=["starttls", "smtps"])
def tls_server(request: Any, pki: Pki, settings: Any) -> Iterator[SmtpSink]:
    sink, context = SmtpSink(), _server_context(pki)
    if request.param == "smtps":
        controller = Controller(
            sink, hostname="127.0.0.1", port=free_port(), ssl_context=context,
            server_hostname="127.0.0.1",
        )  # fmt: skip
    else:
        controller = Controller(
            sink, hostname="127.0.0.1", port=free_port(), tls_context=context,
            require_starttls=True,
        )  # fmt: skip
    controller.start()
    settings.RENKEI_SMTP_HOST, settings.RENKEI_SMTP_PORT = "127.0.0.1", controller.port
    settings.RENKEI_SMTP_SSL = request.param == "smtps"
    settings.RENKEI_SMTP_STARTTLS = True
    settings.RENKEI_SMTP_TIMEOUT, settings.RENKEI_NOTIFY_MAX_ATTEMPTS = 5, 1
    try:
        yield sink
    finally:
        controller.stop()


@pytest.mark.django_db
def test_a_server_the_installations_ca_vouches_for_gets_the_notification(
    tls_server: SmtpSink, pki: Pki, settings: Any, send_notification: SendNotification
) -> None:
    settings.RENKEI_SMTP_CA_FILE = str(pki.ca_file)

    notification = send_notification()

    assert (notification.status, notification.error) == ("sent", "")
    assert [m.rcpt_tos for m in tls_server.messages] == [["abuse@hoster.example"]]


@pytest.mark.django_db
def test_a_server_nobody_vouches_for_gets_nothing_and_the_reason_is_kept(
    tls_server: SmtpSink, settings: Any, send_notification: SendNotification
) -> None:
    settings.RENKEI_SMTP_CA_FILE = ""  # the system's CAs: they know nothing of this one

    notification = send_notification()

    assert notification.status == "failed"
    assert "CERTIFICATE_VERIFY_FAILED" in notification.error
    assert tls_server.messages == []
