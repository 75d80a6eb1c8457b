"""`renkei smtpd`: receive reports by LMTP or SMTP from the local MTA."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from renkei.intake.collectors.smtp import mail_receiver


class Command(BaseCommand):
    help = (
        "Receive report e-mail from the local MTA over SMTP, or LMTP with --lmtp, on "
        "RENKEI_SMTPD_HOST:RENKEI_SMTPD_PORT. Each message is stored as received, then parsed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.RENKEI_SMTPD_HOST)
        parser.add_argument("--port", type=int, default=settings.RENKEI_SMTPD_PORT)
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP (RFC 2033)")

    def handle(self, *args: str, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        receiver = mail_receiver(host=options["host"], port=options["port"], lmtp=options["lmtp"])
        protocol = "LMTP" if options["lmtp"] else "SMTP"
        self.stdout.write(f"renkei smtpd: {protocol} on {receiver.hostname}:{receiver.port}")
        try:
            stop.wait()
        finally:
            receiver.stop()
