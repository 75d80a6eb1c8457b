"""An LMTP or SMTP receiver (aiosmtpd) that stores each message, then processes it.

It is meant to listen on a local port for the site's MTA (Postfix, Exim) to
deliver report mailboxes to, not to face the Internet. A message is
acknowledged (250) as soon as its raw bytes are committed to the database;
if storing fails, the answer is a temporary failure (451) and the MTA keeps
the message and retries. Processing (parsing, attachments, passwords to
guess) happens after the answer, in order, on a thread of its own: it never
changes the answer, and a slow message must not make the MTA time out and
deliver it again. A message stored but not processed (the receiver was
killed) stays "stored" and is listed among the intake problems to run again.

LMTP (RFC 2033) answers DATA once per accepted recipient, which is what an
MTA delivering to several local mailboxes at once expects.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connections

from renkei.intake.collectors.mail import email_process, email_store
from renkei.intake.models import RawReport

log = logging.getLogger(__name__)


class MailHandler:
    """aiosmtpd handler: one thread stores, another processes what was stored.

    Single threads keep writes in order (SQLite has one writer anyway) and keep
    Django's synchronous ORM out of the event loop.
    """

    def __init__(self, *, lmtp: bool) -> None:
        self.lmtp = lmtp
        self.collector = "lmtp" if lmtp else "smtp"
        self._storing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="renkei-mail-store")
        self._processing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="renkei-mail")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        recipients = list(envelope.rcpt_tos)
        delivery = {"mail_from": envelope.mail_from or "", "rcpt_to": recipients[:50]}
        loop = asyncio.get_running_loop()
        try:
            raw = await loop.run_in_executor(self._storing, self._store, content, delivery)
        except Exception:
            log.exception("could not store a message from %s", envelope.mail_from)
            return self._answer("451 4.3.0 Message not stored; try again later", recipients)
        self._processing.submit(self._process, raw, delivery)
        return self._answer(f"250 2.0.0 Stored as raw report {raw.pk}", recipients)

    def _answer(self, line: str, recipients: list[str]) -> str:
        # push() appends the final CRLF; LMTP wants one line per recipient.
        return "\r\n".join([line] * max(1, len(recipients))) if self.lmtp else line

    def _store(self, content: bytes, delivery: dict[str, Any]) -> RawReport:
        close_old_connections()
        return email_store(content, collector=self.collector, envelope=delivery)

    def _process(self, raw: RawReport, delivery: dict[str, Any]) -> None:
        close_old_connections()
        try:
            email_process(raw, collector=self.collector, envelope=delivery)
        except Exception:  # the database, not the message: it stays stored, to run again
            log.exception("e-mail raw report %s was stored but not processed", raw.pk)

    def processed(self) -> None:
        """Return once every message stored so far has been processed."""
        self._processing.submit(lambda: None).result()

    def close(self) -> None:
        for executor in (self._storing, self._processing):  # what was accepted is processed
            executor.submit(connections.close_all).result()
            executor.shutdown()


class _LinesLimitedOnlyBySize:
    """Real mail breaks RFC 5321's 1,000-byte line limit (phishing HTML on one line,
    unwrapped base64), and aiosmtpd refuses a longer line with a permanent 500, so the
    MTA bounces the report and nothing is stored. A line may therefore be as long as
    a whole message may be (RENKEI_MAIL_MAX_BYTES, aiosmtpd's data_size_limit)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Before SMTP.__init__, which sizes its StreamReader with it.
        self.line_length_limit = settings.RENKEI_MAIL_MAX_BYTES
        super().__init__(*args, **kwargs)


class _SMTP(_LinesLimitedOnlyBySize, SMTP):
    pass


class _LMTP(_LinesLimitedOnlyBySize, LMTP):
    pass


class MailController(Controller):
    """aiosmtpd's threaded controller, speaking LMTP or SMTP; port 0 picks a free port."""

    def __init__(self, handler: MailHandler, *, hostname: str, port: int) -> None:
        super().__init__(
            handler, hostname=hostname, port=port,
            data_size_limit=settings.RENKEI_MAIL_MAX_BYTES, enable_SMTPUTF8=True,
        )  # fmt: skip
        self.mail_handler = handler

    def factory(self) -> SMTP:
        server_class = _LMTP if self.mail_handler.lmtp else _SMTP
        return server_class(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

    def processed(self) -> None:
        """Return once every message answered so far has been processed."""
        self.mail_handler.processed()

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.mail_handler.close()


def mail_receiver(*, host: str, port: int, lmtp: bool, **_: Any) -> MailController:
    """A started receiver; call `.stop()` to end it."""
    controller = MailController(MailHandler(lmtp=lmtp), hostname=host, port=port)
    controller.start()
    return controller
