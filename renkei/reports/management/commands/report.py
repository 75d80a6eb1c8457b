"""`renkei report quarterly YYYY-MM` and `renkei report monthly-csv DIR`."""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkei.lib.errors import RenkeiError
from renkei.reports.figures import quarterly_report
from renkei.reports.fonts import JapaneseFontMissing
from renkei.reports.labels import LANGS, Lang
from renkei.reports.periods import Quarter

FORMATS = ("json", "html", "pdf", "csv")


def default_lang() -> Lang:
    code = str(settings.LANGUAGE_CODE)[:2]
    return "en" if code == "en" else "ja"


@contextmanager
def _writing(output: Path) -> Iterator[None]:
    """A file that cannot be written is the user's error to fix, said in one line."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or output
        raise CommandError(f"cannot write {where}: {exc.strerror or exc}") from exc


class Command(BaseCommand):
    help = "Quarterly incident report (JSON, HTML, PDF, CSV) and monthly open-data CSV files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        quarterly = sub.add_parser("quarterly", help="the quarterly incident report")
        quarterly.add_argument("quarter", metavar="YYYY-MM", help="the quarter's first month")
        quarterly.add_argument("--format", choices=FORMATS, default="json")
        quarterly.add_argument("--lang", choices=LANGS, default=None, help="ja or en")
        quarterly.add_argument(
            "--output", type=Path, default=None,
            help="file to write (csv: a directory, or a file ending in .zip); default stdout",
        )  # fmt: skip
        monthly = sub.add_parser(
            "monthly-csv", help="monthly counts per category, JPCERT/CC open-data files"
        )
        monthly.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", JapaneseFontMissing)
                if options["subcommand"] == "quarterly":
                    self._quarterly(options)
                else:
                    self._monthly(options["directory"])
        except RenkeiError as exc:
            raise CommandError(str(exc)) from exc
        for warning in caught:
            if issubclass(warning.category, JapaneseFontMissing):
                self.stderr.write(f"warning: {warning.message}")

    def _quarterly(self, options: dict[str, Any]) -> None:
        quarter = Quarter.parse(options["quarter"])
        fmt, output = options["format"], options["output"]
        lang: Lang = options["lang"] or default_lang()
        if fmt == "csv" and output is None:
            raise CommandError("--format csv needs --output DIR (or FILE.zip)")
        report = quarterly_report(quarter)
        if fmt == "json":
            self._emit(json.dumps(report, ensure_ascii=False, indent=1) + "\n", output)
        elif fmt == "html":
            from renkei.reports.render_html import quarterly_html_document

            self._emit(quarterly_html_document(quarter, report, lang), output)
        elif fmt == "pdf":
            from renkei.reports.render_pdf import quarterly_pdf

            self._emit(quarterly_pdf(quarter, lang=lang, figures=report), output)
        else:
            from renkei.reports.render_csv import quarterly_csv_files, write_files

            files = quarterly_csv_files(report, lang)
            with _writing(output):
                written = write_files(files, output, folder=f"renkei-{quarter}-{lang}")
            for path in written:
                self.stderr.write(f"wrote {path}")

    def _emit(self, content: str | bytes, output: Path | None) -> None:
        if output is not None:
            data = content.encode("utf-8") if isinstance(content, str) else content
            with _writing(output):
                output.write_bytes(data)
            self.stderr.write(f"wrote {output} ({len(data):,} bytes)")
        elif isinstance(content, bytes):
            self.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            self.stdout.write(content, ending="")

    def _monthly(self, directory: Path) -> None:
        from renkei.reports.opendata import write_monthly_csv

        with _writing(directory):
            written = write_monthly_csv(directory)
        if not written:
            raise CommandError(
                "no reports received before this month (a month not over yet is left out): "
                "nothing to write"
            )
        self.stderr.write(f"wrote {len(written)} files to {directory}")
