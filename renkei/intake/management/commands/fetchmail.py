"""`renkei fetchmail`: poll the report mailbox over IMAP."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkei.intake.collectors.imap import FetchSummary, fetchmail_once


class Command(BaseCommand):
    help = (
        "Fetch the messages of the IMAP mailbox (RENKEI_IMAP_*) not stored yet, read or "
        "not, store each as received, then flag or move it. Nothing is deleted. Polls every "
        "RENKEI_IMAP_INTERVAL seconds, connecting afresh each time; --once for a single "
        "poll (cron), which exits 1 when the poll was cut short (connection lost, server "
        "refused) or a stored message could not be flagged or moved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="poll once and exit")

    def handle(self, *args: str, **options: Any) -> None:
        while True:
            summary = fetchmail_once()
            self._print(summary)
            if summary.stopped and (options["once"] or not summary.interrupted):
                raise CommandError(summary.stopped)
            if summary.stopped:  # the server or the network: the next poll connects again
                self.stderr.write(summary.stopped)
            elif options["once"]:
                if summary.not_marked:  # for cron and systemd: the mailbox needs a look
                    raise CommandError(
                        f"{len(summary.not_marked)} stored message(s) not marked done; "
                        "the next poll tries again"
                    )
                return
            time.sleep(settings.RENKEI_IMAP_INTERVAL)

    def _print(self, summary: FetchSummary) -> None:
        self.stdout.write(
            f"fetched {summary.fetched}: reports {summary.created}, duplicates "
            f"{summary.duplicates}, not parsed {summary.failed}"
            + (f"; stored by an earlier poll {summary.earlier}" if summary.earlier else "")
        )
        for line in summary.too_large + summary.not_marked:
            self.stderr.write(line)
