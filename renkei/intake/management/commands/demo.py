from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from renkei.intake.demo import write_demo_file
from renkei.intake.importer import ExchangeImporter


class Command(BaseCommand):
    help = "Load a generated demo data set (about four months, a few thousand reports)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=120)
        parser.add_argument("--per-day", type=int, default=40, help="reports per day, on average")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.RENKEI_HOME) / "demo.jsonl"
        now = timezone.now().replace(microsecond=0)
        lines = write_demo_file(path, now=now, days=options["days"], per_day=options["per_day"])
        summary = ExchangeImporter(source="demo").run(path)
        if summary.rejected_count:
            raise CommandError(f"demo data had {summary.rejected_count} rejected lines")
        self.stdout.write(
            f"demo data: {lines} lines, {summary.imported['report']} new reports "
            f"({summary.duplicates['report']} already loaded), "
            f"{summary.incidents_created} incidents opened"
        )
