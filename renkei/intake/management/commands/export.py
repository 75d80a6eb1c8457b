from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from renkei.intake.exporter import export_to_file


class Command(BaseCommand):
    help = "Export brands, reports and coordination records in the exchange format (.gz too)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        count = export_to_file(path)
        self.stdout.write(f"wrote {count} lines to {path}")
