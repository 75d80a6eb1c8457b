from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkei.intake.exporter import export_to_file


class Command(BaseCommand):
    help = "Export brands, reports and coordination records in the exchange format (.gz too)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            count = export_to_file(path)
        except OSError as exc:  # a missing directory, a full disk: said, not a traceback
            message = f"cannot write {path}: {exc.strerror or exc}; nothing was written"
            raise CommandError(message) from None
        self.stdout.write(f"wrote {count} lines to {path}")
