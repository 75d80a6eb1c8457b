"""All outbound mail goes through here: composing, OpenPGP, and the SMTP conversation.

`send(OutgoingMail(...))` builds a text/plain UTF-8 message, signs it with
the center's key (RENKEI_GPG_KEY_ID) and encrypts it when recipient keys
are given (PGP/MIME, `lib/pgp.py`), then delivers it over SMTP
(RENKEI_SMTP_*). Without RENKEI_SMTP_HOST the message is written to
RENKEI_HOME/outbox/ instead, so a demo install works without a mail server.

Delivery failures are classified for the retry logic of the caller:
`TemporaryMailError` (4xx replies, connection problems: try again later)
and `PermanentMailError` (5xx replies, refused recipients: do not retry).
Django's own mail (password reset) uses `EmailBackend`, the same transport.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email import policy
from email.errors import HeaderParseError
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.encoding import punycode

from renkei.lib import pgp
from renkei.lib.errors import RenkeiError

logger = logging.getLogger(__name__)


class MailError(RenkeiError):
    temporary = False


class TemporaryMailError(MailError):
    temporary = True


class PermanentMailError(MailError):
    pass


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    # Fingerprints to encrypt to; empty means "signed only".
    encrypt_to: Sequence[str] = ()
    headers: dict[str, str] = field(default_factory=dict)
    from_addr: str = ""
    # The same for every attempt at one message (a copy the server took before its
    # answer was lost is then known for one); a new one when empty.
    message_id: str = ""


def _text_entity(text: str) -> bytes:
    part = MIMEPart(policy=policy.SMTP)
    part.set_content(text, charset="utf-8", cte="quoted-printable")
    return part.as_bytes(policy=policy.SMTP)


def _protect(entity: bytes, encrypt_to: Sequence[str]) -> tuple[str | None, bytes]:
    home, key_id = settings.RENKEI_GPG_HOME, settings.RENKEI_GPG_KEY_ID
    if encrypt_to:
        # The center's own key too, so that the sent copy stays readable here.
        recipients = [*encrypt_to, *([key_id] if key_id else [])]
        body = pgp.encrypt(entity, recipients=recipients, sign_key=key_id, home=home)
    elif key_id:
        body = pgp.sign(entity, key_id=key_id, home=home)
    else:
        return None, entity
    return body.content_type, body.body


def ascii_address(address: str) -> str:
    """The address as SMTP commands and headers carry it: a Japanese (IDN) domain in
    its ASCII form, abuse@xn--r8jz45g.jp for abuse@例え.jp, which the form accepts and
    which smtplib cannot write. A local part beyond ASCII would need SMTPUTF8: refused."""
    local, at, domain = address.rpartition("@")
    try:
        domain = punycode(domain)
    except UnicodeError:
        raise PermanentMailError(f"not a usable mail domain: {address!r}") from None
    if not local.isascii():
        raise PermanentMailError(f"not an ASCII mailbox name: {address!r}")
    ascii_form = f"{local}{at}{domain}"
    try:
        # One addr-spec (RFC 5322): no list, no name, no line break for a header to carry.
        Address(addr_spec=ascii_form)
    except (ValueError, IndexError, HeaderParseError):
        raise PermanentMailError(f"not one e-mail address: {address!r}") from None
    return ascii_form


def _envelope(address: str) -> str:
    # Django's mail may name people ("山田 <a@example.jp>"): SMTP takes the address only.
    return ascii_address(parseaddr(address)[1] or address)


def _subject_field(subject: str) -> bytes:
    """The Subject field, its text as given (runs of white space made one space).

    Not through EmailMessage: its header parser decodes the RFC 2047 encoded words
    it finds in a value, so report data holding `=?utf-8?b?...?=` went out as other
    text than the notification records, or as CR LF and header fields of its own.
    Text that is not plain ASCII, or that holds `=?`, is written as encoded words."""
    text = " ".join(subject.split())
    if text.isascii() and "=?" not in text:
        return policy.SMTP.fold_binary("Subject", text)
    encoded = Header(text, "utf-8", header_name="Subject").encode(linesep="\r\n")
    return f"Subject: {encoded}\r\n".encode("ascii")


def _fold(head: EmailMessage) -> bytes:
    return b"".join(policy.SMTP.fold_binary(name, value) for name, value in head.items())


def new_message_id(sender: str = "") -> str:
    """A Message-ID in the domain of the sender (RENKEI_SMTP_FROM by default)."""
    address = parseaddr(sender or settings.RENKEI_SMTP_FROM)[1]
    return make_msgid(domain=_ascii_domain(address.rpartition("@")[2]) or "renkei.invalid")


def _ascii_domain(domain: str) -> str:
    try:
        return punycode(domain)
    except UnicodeError:
        return ""


def _from_field(sender: str) -> Address:
    """The sender with its name, the address in ASCII form: a center whose
    RENKEI_SMTP_FROM has a Japanese domain could not send any mail at all."""
    name, address = parseaddr(sender)
    return Address(display_name=name, addr_spec=ascii_address(address or sender))


def compose(mail: OutgoingMail) -> tuple[str, bytes]:
    """(Message-ID, the message as bytes with CRLF line endings)."""
    sender = mail.from_addr or settings.RENKEI_SMTP_FROM
    addresses = EmailMessage(policy=policy.SMTP)
    addresses["From"] = _from_field(sender)
    addresses["To"] = ascii_address(mail.to)
    head = EmailMessage(policy=policy.SMTP)
    head["Date"] = formatdate(localtime=True)
    message_id = mail.message_id or new_message_id(sender)
    head["Message-ID"] = message_id
    head["MIME-Version"] = "1.0"
    for name, value in mail.headers.items():
        head[name] = value
    content_type, body = _protect(_text_entity(mail.text), mail.encrypt_to)
    if content_type is not None:
        head["Content-Type"] = content_type
    headers = _fold(addresses) + _subject_field(mail.subject) + _fold(head)
    # Without protection `body` is the text entity with its own MIME headers.
    separator = b"\r\n" if content_type is not None else b""
    return message_id, headers + separator + body


def _classify(exc: Exception) -> MailError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{r}: {c} {m!r}" for r, (c, m) in exc.recipients.items())
        kind = (
            TemporaryMailError
            if codes and all(400 <= c < 500 for c in codes)
            else PermanentMailError
        )
        return kind(f"recipient refused: {detail}")
    if isinstance(exc, smtplib.SMTPResponseException):
        kind = TemporaryMailError if 400 <= exc.smtp_code < 500 else PermanentMailError
        return kind(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}")
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return TemporaryMailError(f"mail server unreachable: {exc}")
    return PermanentMailError(f"SMTP error: {exc}")


def _tls_context() -> ssl.SSLContext:
    """Certificates verified, against an in-house CA where the installation names one."""
    return ssl.create_default_context(cafile=settings.RENKEI_SMTP_CA_FILE or None)


def _connect() -> smtplib.SMTP:
    host, port = settings.RENKEI_SMTP_HOST, settings.RENKEI_SMTP_PORT
    timeout = settings.RENKEI_SMTP_TIMEOUT
    if settings.RENKEI_SMTP_SSL:
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=_tls_context())
    return smtplib.SMTP(host, port, timeout=timeout)


def _transmit(
    smtp: smtplib.SMTP, sender: str, recipients: list[str], data: bytes
) -> dict[str, tuple[int, bytes]]:
    if settings.RENKEI_SMTP_STARTTLS and not settings.RENKEI_SMTP_SSL:
        smtp.starttls(context=_tls_context())
    if settings.RENKEI_SMTP_USER:
        smtp.login(settings.RENKEI_SMTP_USER, settings.RENKEI_SMTP_PASSWORD)
    return smtp.sendmail(sender, recipients, data)


def _quit(smtp: smtplib.SMTP) -> None:
    """Say goodbye, whatever the server answers: once it has taken the message, an odd
    reply to QUIT (or a dropped line) must not make the caller send the message again."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError) as exc:
        logger.info("mail server %s: QUIT failed: %s", settings.RENKEI_SMTP_HOST, exc)
    finally:
        smtp.close()


def _smtp_deliver(sender: str, recipients: list[str], data: bytes) -> None:
    try:
        smtp = _connect()
        try:
            refused = _transmit(smtp, sender, recipients, data)
        finally:
            _quit(smtp)
    except (smtplib.SMTPException, OSError) as exc:
        raise _classify(exc) from exc
    if refused:
        raise _classify(smtplib.SMTPRecipientsRefused(refused))


def _outbox_deliver(recipients: list[str], data: bytes) -> None:
    outbox = Path(settings.RENKEI_HOME) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{recipients[0].replace('/', '_')}.eml"
    (outbox / name).write_bytes(data)
    logger.warning("RENKEI_SMTP_HOST is not set: mail to %s written to %s", recipients, outbox)


def deliver(sender: str, recipients: list[str], data: bytes) -> None:
    """Hand a finished message to the mail server (or the outbox without one)."""
    sender, recipients = _envelope(sender), [_envelope(r) for r in recipients]
    if settings.RENKEI_SMTP_HOST:
        _smtp_deliver(sender, recipients, data)
    else:
        _outbox_deliver(recipients, data)


def send(mail: OutgoingMail) -> str:
    """Compose, protect and deliver one message; returns its Message-ID."""
    message_id, data = compose(mail)
    deliver(parseaddr(mail.from_addr or settings.RENKEI_SMTP_FROM)[1], [mail.to], data)
    return message_id


class EmailBackend(BaseEmailBackend):
    """Django's mail (password reset, admin errors) through the same transport."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        sent = 0
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            try:
                deliver(parseaddr(message.from_email)[1], recipients, message.message().as_bytes())
            except MailError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent
