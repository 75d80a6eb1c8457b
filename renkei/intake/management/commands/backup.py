from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkei.intake.backup import BackupError, backup_to


class Command(BaseCommand):
    help = (
        "Back up the whole instance into a new directory: the database (SQLite copy or "
        "pg_dump), the GnuPG home with the center's key, the secret key, a manifest"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a directory to create")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            manifest = backup_to(path, say=lambda line: self.stderr.write(line))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:  # a missing parent directory, a full disk
            raise CommandError(
                f"cannot write {path}: {exc.strerror or exc}; nothing was kept"
            ) from None
        counts = manifest["counts"]
        self.stdout.write(
            f"backed up to {path}: {counts.get('intake_report', 0)} reports, "
            f"{counts.get('incidents_incident', 0)} incidents, "
            f"{len(manifest['files'])} files (sha256 in {path / 'manifest.json'})"
        )
        for what in manifest["not_included"]:
            self.stderr.write(f"not included: {what}")
