from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from renkei.intake.importer import DEFAULT_SOURCE, ExchangeImporter, ImportSummary
from renkei.intake.registry import FEED_IMPORTERS


class Command(BaseCommand):
    help = (
        "Import a file in the exchange format (JSON Lines, plain or .gz), or a feed: "
        "renkei import [FORMAT] PATH, FORMAT one of: exchange, "
        + ", ".join(FEED_IMPORTERS)
        + " (a feed format takes a directory too)"
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # `import shadowserver --source NAME PATH`: argparse alone takes the positionals
        # before an option as all there are and refused PATH ("unrecognized arguments").
        parser.parse_args = parser.parse_intermixed_args  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs="+", metavar="[FORMAT] PATH")
        parser.add_argument("--source", default=None, help="source name refs are unique in")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: str, **options: Any) -> None:
        fmt, path = _format_and_path(args)
        importer_class = FEED_IMPORTERS.get(fmt, ExchangeImporter)
        source = options["source"] or (DEFAULT_SOURCE if fmt == "exchange" else fmt)
        show = not options["no_progress"] and not options["json"]
        importer = importer_class(source=source)
        try:
            with _progress(path, enabled=show) as advance:
                importer.progress = advance
                summary = importer.run(path)
        except KeyboardInterrupt:
            self._print(importer.committed, as_json=options["json"])
            raise CommandError(
                "interrupted: the batches counted above are committed; run the same command "
                "again to import the rest (what is already there counts as duplicates)",
                returncode=130,
            ) from None
        except DatabaseError as exc:
            # A full disk, a lost server: what reached the database is said, not a traceback.
            self._print(importer.committed, as_json=options["json"])
            raise CommandError(
                f"stopped by a database error: {exc}\nthe batches counted above are committed, "
                "the rest was undone; once the cause is mended (disk space?), run the same "
                "command again to import the rest (what is already there counts as duplicates)",
                returncode=3,
            ) from None
        self._print(summary, as_json=options["json"])
        if summary.rejected_count:
            raise CommandError(f"{summary.rejected_count} line(s) rejected", returncode=1)

    def _print(self, summary: ImportSummary, *, as_json: bool) -> None:
        if as_json:
            data = summary.as_dict() | {"rejections": summary.rejected[:1000]}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
            return
        for position, reason in summary.rejected:
            self.stderr.write(f"line {position}: {reason}")
        if summary.rejected_count > len(summary.rejected):
            self.stderr.write(f"... and {summary.rejected_count - len(summary.rejected)} more")
        self.stdout.write(
            f"{summary.lines} lines: imported {_counts(summary.imported)}; "
            f"duplicates {_counts(summary.duplicates)}; rejected {summary.rejected_count}; "
            f"incidents opened {summary.incidents_created}"
        )


def _counts(counter: Any) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "none"


def _format_and_path(args: tuple[str, ...]) -> tuple[str, Path]:
    if len(args) == 1:
        return "exchange", Path(args[0])
    if len(args) == 2 and (args[0] == "exchange" or args[0] in FEED_IMPORTERS):
        return args[0], Path(args[1])
    known = ", ".join(["exchange", *FEED_IMPORTERS])
    raise CommandError(f"usage: renkei import [FORMAT] PATH, with FORMAT one of: {known}")


def _size(path: Path) -> int:
    """Bytes to read: a feed importer takes a directory of files too."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.is_file() else 0


class _progress:
    """A rich progress bar over the bytes of the file, on the terminal only."""

    def __init__(self, path: Path, *, enabled: bool) -> None:
        self.total = _size(path)
        self.bar = Progress(
            TextColumn("importing"), BarColumn(), TextColumn("{task.fields[lines]} lines"),
            TransferSpeedColumn(), TimeRemainingColumn(), disable=not enabled,
        )  # fmt: skip
        self.task = self.bar.add_task("import", total=self.total, lines=0)

    def __enter__(self) -> Any:
        self.bar.start()
        return self.advance

    def advance(self, done: int, lines: int) -> None:
        self.bar.update(self.task, completed=done, lines=lines)

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()
