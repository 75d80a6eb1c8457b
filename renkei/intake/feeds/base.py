"""What every feed importer shares: line parsing hook, raw storage, directories.

A feed importer is an `ExchangeImporter` whose lines are not exchange-format
JSON: it overrides only how one line becomes a `ReportRecord` (`parse_row`).
Batching, brand resolution, dedup and the summary are inherited, so a feed
behaves exactly like `renkei import` of the exchange format.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from django.db import transaction

from renkei.intake.exchange import ReportRecord
from renkei.intake.importer import (
    ExchangeImporter,
    ImportSummary,
    ProgressCallback,
)
from renkei.intake.reader import ParsedBatch, parsed_batches
from renkei.intake.services import raw_report_record_failure
from renkei.lib.errors import RenkeiError, ValidationError
from renkei.lib.timestamps import in_range


def row_ref(prefix: str, line: bytes) -> str:
    """A stable reference for one row: the same bytes give the same ref.

    Trailing whitespace and the line ending are not part of it, so a file
    re-saved with CRLF line endings does not import again.
    """
    return f"{prefix}-{hashlib.blake2b(line.rstrip(), digest_size=12).hexdigest()}"


def csv_row(text: str) -> list[str]:
    """One CSV line's fields; a line csv cannot read is a ValidationError.

    csv raises its own error for a field over its 128 KiB limit or a carriage
    return in an unquoted field (a file re-saved by a spreadsheet); uncaught,
    it ended the whole import.
    """
    try:
        return next(csv.reader([text]), [])
    except csv.Error as exc:
        raise ValidationError(f"not a CSV row ({exc})") from None


def feed_record(
    *, ref: str, received_at: datetime, reporter: str, category: str | None, url: str = "",
    ip: str = "", ports: list[str] | None = None, brand: str = "", text: str = "",
    extra: dict[str, Any] | None = None,
) -> ReportRecord:  # fmt: skip
    return ReportRecord(
        ref=ref, received_at=received_at, channel="feed", reporter=reporter, category=category,
        url=url, ip=ip, ports=ports or [], brand=brand, text=text, extra=extra or {},
    )  # fmt: skip


def parse_utc(value: str, name: str) -> datetime:
    """A timestamp that means UTC when it carries no offset (feeds usually do not)."""
    text = value.strip()
    if not text:
        raise ValidationError(f"missing {name}")
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{name} {value!r} is not a timestamp") from None
    return in_range(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC), name)


def _offset(progress: ProgressCallback, done_bytes: int, done_lines: int) -> ProgressCallback:
    """Progress within one file of a directory, reported as progress over all of it."""
    return lambda b, n: progress(done_bytes + b, done_lines + n)


class FeedImporter(ExchangeImporter):
    """Base of the feed importers in `FEED_IMPORTERS`.

    Subclasses set `format_name` (the registry key), `content_type`, and
    implement `parse_row`. `run` accepts a directory too: every file whose
    name ends with one of `suffixes`, in sorted order.
    """

    format_name: ClassVar[str] = ""
    content_type: ClassVar[str] = "text/plain"
    suffixes: ClassVar[tuple[str, ...]] = ()
    channel: ClassVar[str] = "feed"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The file being read (parse_row and start_file run in the read-ahead
        # thread, ahead of the storing) and the one whose batches are being stored.
        self.current_file = ""
        self.storing_file = ""
        self._storing: Path | None = None
        self._bytes_before = 0
        self.files = 0
        self._name_files = False
        self._lines_before = 0  # lines of the files already imported

    # --- what subclasses write -----------------------------------------------------

    def parse_row(self, position: int, line: bytes) -> ReportRecord | None:
        """One line as a record; None for a line that is not data (a header).

        Raises ValidationError with a reason the analyst can act on.
        """
        raise NotImplementedError

    def start_file(self, path: Path) -> None:
        """Called before each file; CSV importers forget the previous header here."""

    # --- files and directories ----------------------------------------------------

    def run(self, path: Path) -> ImportSummary:
        files, base = self._files(path)
        outer_progress = self.progress
        self._lines_before, self._bytes_before, self._storing = 0, 0, None
        self.summary.lines = 0  # the lines of the file being stored
        with self.storing(self._read(files, base)) as (commits, batches):
            try:
                for file, parsed in batches:
                    if parsed is None:
                        self._file_starts(file, base, outer_progress)
                    else:
                        self._import_grouped(commits, parsed)
                self._file_done()
            except BaseException:
                self.summary.lines = self.lines_done()
                raise
        self.progress = outer_progress
        self.summary.lines = self._lines_before
        return self.summary

    def _files(self, path: Path) -> tuple[list[Path], Path]:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and self._wanted(p))
            if not files:
                raise RenkeiError(f"no {', '.join(self.suffixes)} files under {path}")
            self._name_files = True
            return files, path
        if not path.is_file():
            raise RenkeiError(f"no such file: {path}")
        return [path], path.parent

    def _read(self, files: list[Path], base: Path) -> Iterator[tuple[Path, ParsedBatch | None]]:
        """In the read-ahead thread: each file's start (None), then its parsed batches."""
        for file in files:
            yield file, None
            self.current_file = str(file.relative_to(base))
            self.start_file(file)
            for parsed in parsed_batches(file, self.batch_size, self._parse_batch):
                yield file, parsed

    def _file_starts(self, file: Path, base: Path, outer: ProgressCallback | None) -> None:
        self._file_done()
        self._storing, self.storing_file = file, str(file.relative_to(base))
        if outer is not None:
            self.progress = _offset(outer, self._bytes_before, self._lines_before)

    def _file_done(self) -> None:
        if self._storing is None:
            return
        size = self._storing.stat().st_size
        # One assignment: an interruption between the two would count the file twice.
        # summary.lines counts the lines of the file being stored (_import_batch).
        self._lines_before, self.summary.lines = self.lines_done(), 0
        self._bytes_before += size
        self.files += 1
        self._storing = None

    def lines_done(self) -> int:
        return self._lines_before + self.summary.lines

    def _wanted(self, path: Path) -> bool:
        return not self.suffixes or path.name.lower().endswith(self.suffixes)

    def _reject(self, position: int, line: bytes, reason: str) -> None:
        if self._name_files:
            reason = f"{self.storing_file}: {reason}"
        self.summary.reject(position, reason)
        with transaction.atomic():
            raw_report_record_failure(
                channel=self.channel, source=self.source, content=line, reason=reason,
                position=position,
            )  # fmt: skip
