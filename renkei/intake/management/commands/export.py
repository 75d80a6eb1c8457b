from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from renkei.intake.exporter import export_line_count, export_to_file


class Command(BaseCommand):
    help = "Export brands, reports and coordination records in the exchange format (.gz too)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        # On standard error, and on a terminal only: a long export shows it is moving.
        bar = Progress(
            TextColumn("exporting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), disable=options["no_progress"],
        )  # fmt: skip
        # Counting every table is a scan on PostgreSQL: only for a bar someone sees.
        total = None if options["no_progress"] else export_line_count()
        task = bar.add_task("export", total=total)
        try:
            with bar:
                count = export_to_file(path, progress=lambda n: bar.update(task, completed=n))
        except OSError as exc:  # a missing directory, a full disk: said, not a traceback
            message = f"cannot write {path}: {exc.strerror or exc}; nothing was written"
            raise CommandError(message) from None
        self.stdout.write(f"wrote {count} lines to {path}")
