from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from renkei.intake.selectors import instance_status


class Command(BaseCommand):
    help = "Show the database in use and the record counts"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args: Any, **options: Any) -> None:
        status = instance_status()
        if options["json"]:
            self.stdout.write(json.dumps(status, indent=1, ensure_ascii=False))
            return
        db = status["database"]
        self.stdout.write(f"database: {db['vendor']} {db.get('host', '')} {db['name']}".strip())
        for name, value in status["counts"].items():
            if isinstance(value, dict):
                for sub, count in value.items():
                    self.stdout.write(f"  {name}.{sub}: {count}")
            else:
                self.stdout.write(f"{name}: {value}")
        for name, value in status["tasks"].items():
            self.stdout.write(f"tasks.{name}: {'-' if value is None else value}")
