"""Bulk import of the exchange format: stream, batch, report every bad line.

The file is read line by line (plain or gzip) and never held whole; lines
are parsed, prepared by the experts and handed to the same services every
other intake path uses, a batch at a time.
"""

from __future__ import annotations

import copy
import gc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction

from renkei.accounts.models import User
from renkei.coordination.services import coordination_import_batch
from renkei.incidents.brands import BrandCatalog, BrandSpec, brands_upsert
from renkei.incidents.dedup import IncidentMatcher
from renkei.incidents.models import Incident
from renkei.intake.exchange import (
    BrandRecord,
    NoNotificationRecord,
    NotificationRecord,
    Record,
    ReportRecord,
    ResolutionRecord,
    parse_line,
)
from renkei.intake.experts import PreparedReport, prepare_fields
from renkei.intake.models import RawStatus, Report
from renkei.intake.reader import MAX_LINE_BYTES, OverlongLine, ParsedBatch, parsed_batches
from renkei.intake.services import (
    ReportRef,
    raw_report_mark,
    raw_report_record_failure,
    raw_report_store,
    report_ingest_batch,
)
from renkei.lib import sqlbulk
from renkei.lib.errors import RenkeiError, ValidationError
from renkei.lib.grouped_commits import GroupedCommits
from renkei.lib.interrupts import interrupts_deferred
from renkei.lib.readahead import read_ahead, yield_to_storing

T = TypeVar("T")
DEFAULT_SOURCE = "exchange"
MAX_KEPT_REJECTIONS = 10_000
ProgressCallback = Callable[[int, int], None]  # (bytes done, lines done)


@dataclass
class ImportSummary:
    imported: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    rejected_count: int = 0
    incidents_created: int = 0
    lines: int = 0

    def reject(self, position: int, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_KEPT_REJECTIONS:
            self.rejected.append((position, reason))

    def as_dict(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "imported": dict(self.imported),
            "duplicates": dict(self.duplicates),
            "rejected": self.rejected_count,
            "incidents_created": self.incidents_created,
        }


class ReportIndex:
    """(source, ref) -> where a report went, from this import or the database."""

    def __init__(self, limit: int = 2_000_000) -> None:
        self._known: dict[tuple[str, str], ReportRef] = {}
        self._limit = limit
        # Whether this holds every report the database holds: it held none when the
        # import started and nobody else wrote since (_alone_on_empty_tables).
        self.complete = False

    def add(self, refs: dict[tuple[str, str], ReportRef]) -> None:
        if len(self._known) + len(refs) > self._limit:
            self._known.clear()  # bounded memory; misses fall back to the database
            self.complete = False
        self._known.update(refs)

    def __contains__(self, ident: object) -> bool:
        return ident in self._known

    def preload(self, wanted: set[tuple[str, str]]) -> None:
        missing: dict[str, list[str]] = {}
        # Not `wanted - keys()`: a set minus a keys view walks the whole index.
        for source, ref in (ident for ident in wanted if ident not in self._known):
            missing.setdefault(source, []).append(ref)
        for source, refs in missing.items():
            for start in range(0, len(refs), 900):
                rows = Report.objects.filter(
                    source=source, ref__in=refs[start : start + 900]
                ).values_list("ref", "id", "incident_id")
                for ref, pk, incident_id in rows:
                    self._known[(source, ref)] = ReportRef(pk, incident_id, None)

    def get(self, source: str, ref: str) -> ReportRef | None:
        return self._known.get((source, ref))


class ExchangeImporter:
    channel: ClassVar[str] = "import"
    content_type: ClassVar[str] = "application/jsonl"

    def __init__(
        self, *, source: str = DEFAULT_SOURCE, actor: User | None = None,
        progress: ProgressCallback | None = None, batch_size: int | None = None,
    ) -> None:  # fmt: skip
        self.source = source
        self.actor = actor
        self.actor_label = "" if actor else f"import:{source}"
        self.progress = progress
        self.batch_size = batch_size or settings.RENKEI_IMPORT_BATCH_SIZE
        self.summary = ImportSummary()
        # The summary as the database holds it: moved on when a batch's commit succeeds.
        self.committed = ImportSummary()
        self.matcher = IncidentMatcher(window_days=settings.RENKEI_DEDUP_WINDOW_DAYS)
        self.reports = ReportIndex()
        self.brands: BrandCatalog | None = None
        self._lines: dict[int, bytes] = {}
        self._others = sqlbulk.OtherWriters()
        self._looked_for_data = False

    # --- what a format writes (feeds override these) --------------------------

    def parse_row(self, position: int, line: bytes) -> Record | None:
        """One line as a record, None to skip it (a header); ValidationError if bad."""
        return parse_line(line, position)

    # --- reading ----------------------------------------------------------------

    def run(self, path: Path) -> ImportSummary:
        if not path.is_file():
            raise RenkeiError(f"no such file: {path}")
        source = parsed_batches(path, self.batch_size, self._parse_batch)
        with self.storing(source) as (commits, batches):
            for parsed in batches:
                self._import_grouped(commits, parsed)
        return self.summary

    @contextmanager
    def storing(self, source: Iterator[T]) -> Iterator[tuple[GroupedCommits, Iterator[T]]]:
        """What an import stores under: `source` read ahead in a thread, batches
        sharing commits for a few seconds, no garbage collection, rare checkpoints."""
        with (
            collector_paused(),
            sqlbulk.rare_checkpoints(),
            GroupedCommits(settings.RENKEI_IMPORT_COMMIT_SECONDS) as commits,
            read_ahead(source) as items,
        ):
            yield commits, items

    def _import_grouped(self, commits: GroupedCommits, parsed: ParsedBatch) -> None:
        commits.batch_starts()
        self._import_batch(parsed)
        commits.batch_done()

    def lines_done(self) -> int:
        """Lines read so far (a feed directory counts them over its files)."""
        return self.summary.lines

    def _note_committed(self) -> None:
        # Runs at once on PostgreSQL (each batch commits itself); on SQLite when
        # the batch's group commits, and never if the group is rolled back.
        done = copy.deepcopy(self.summary)
        done.lines = self.lines_done()
        transaction.on_commit(lambda: setattr(self, "committed", done))

    def _import_batch(self, parsed: ParsedBatch) -> None:
        if parsed.broken:
            # A truncated .gz: everything before the break is imported.
            self._reject(self.summary.lines + 1, b"", f"file unreadable from {parsed.broken}")
            self._note_committed()
            return
        # Ctrl-C waits for the batch and for the note of what it committed:
        # landing between a COMMIT and that note, it would leave the count the
        # import says behind what the database holds.
        with interrupts_deferred():
            self._import_parsed(parsed)
            self.summary.lines = parsed.lines[-1][0]
            self._note_committed()
        if self.progress:
            self.progress(parsed.bytes_read, self.summary.lines)

    def _parse_batch(self, lines: list[tuple[int, bytes]]) -> ParsedBatch:
        """Parse and normalize a batch, in the read-ahead thread: no database work here."""
        parsed = ParsedBatch(lines=lines)
        for position, line in lines:
            if position % 50 == 0:
                yield_to_storing()
            if isinstance(line, OverlongLine):
                parsed.errors.append((position, _overlong(line)))
                continue
            try:
                record = self.parse_row(position, line)
                if record is None:
                    continue
                if isinstance(record, ReportRecord):
                    record.raw, record.position, record.raw_length = b"", position, len(line)
                    parsed.records.append(prepare_fields(record, source=self.source))
                    continue
                if not isinstance(record, BrandRecord):
                    record.position = position
                parsed.records.append(record)
            except ValidationError as exc:
                parsed.errors.append((position, exc.message))
        return parsed

    # --- storing ------------------------------------------------------------------

    def _store_raw(self, lines: list[tuple[int, bytes]]) -> tuple[int, dict[int, int]]:
        """Keep the chunk's bytes first; return its id and each line's offset."""
        offsets, offset = {}, 0
        for position, line in lines:
            offsets[position] = offset
            offset += len(line) + 1
        content = b"\n".join(line for _, line in lines) + b"\n"
        raw = raw_report_store(
            channel=self.channel, source=self.source, content=content,
            content_type=self.content_type, position=lines[0][0],
        )  # fmt: skip
        return raw.pk, offsets

    def _import_parsed(self, parsed: ParsedBatch) -> None:
        self._lines = dict(parsed.lines)
        raw_id, offsets = self._store_raw(parsed.lines)
        for position, message in parsed.errors:
            self._reject(position, self._lines[position], message)
        for record in parsed.records:
            if isinstance(record, PreparedReport):
                record.record.raw_id = raw_id
                record.record.raw_offset = offsets[record.record.position or 0]
        before = copy.deepcopy(self.summary)
        try:
            # One transaction per batch: all of it is imported or none of it.
            with transaction.atomic():
                if self._others.wrote():
                    self._forget_caches()  # what others changed is read again
                elif not self._looked_for_data:
                    self._alone_on_empty_tables()
                self._store(parsed.records)
                # Rejected lines are recorded on their own; the chunk was processed.
                raw_report_mark(raw_id, status=RawStatus.PARSED)
        except ValidationError:
            raise
        except Exception as exc:  # keep the lines, report the bug
            self._forget_batch(before)
            if connection.needs_rollback or isinstance(exc, OperationalError | InterfaceError):
                # The database ended the whole transaction (a full disk), or the
                # connection or the database failed, not this batch's data: stop
                # with its error; what was committed is said, a rerun goes on.
                raise
            reason = f"internal error, batch not imported: {exc!r}"
            raw_report_mark(raw_id, status=RawStatus.FAILED, error=reason)
            for position, line in parsed.lines:
                self._reject(position, line, reason)
        except BaseException:
            # Ctrl-C, a stopped worker: the batch is undone, so is what it counted.
            self._forget_batch(before)
            raise

    def _alone_on_empty_tables(self) -> None:
        """At the first batch: with no report and no incident stored yet, and SQLite's
        lock held, the database holds exactly what this import stores until another
        connection writes (`_others`, checked at every batch, then `_forget_caches`).
        Its caches then answer for the database, and a batch looks nothing up: a
        first import of a whole feed into a new instance spent a tenth of its time
        asking for refs and keys that could not be there.
        """
        self._looked_for_data = True
        if not self._others.can_tell() or Report.objects.exists() or Incident.objects.exists():
            return
        self.reports.complete = True
        self.matcher.knows_every_incident()

    def _forget_batch(self, summary: ImportSummary) -> None:
        """After a rollback: what this batch taught the caches is no longer true."""
        self.summary = summary
        self._forget_caches()

    def _forget_caches(self) -> None:
        self.matcher.reset()
        self.reports = ReportIndex()
        self.brands = None

    def _reject(self, position: int, line: bytes, reason: str) -> None:
        self.summary.reject(position, reason)
        with transaction.atomic():
            raw_report_record_failure(
                channel=self.channel, source=self.source, content=line, reason=reason,
                position=position,
            )  # fmt: skip

    def _store(self, records: list[Any]) -> None:
        brands = [r for r in records if isinstance(r, BrandRecord)]
        if brands:
            self._store_brands(brands)
        if self.brands is None or brands:
            self.brands = BrandCatalog()
        reports = [r for r in records if isinstance(r, PreparedReport)]
        if reports:
            self._store_reports(reports)
        others = [
            r
            for r in records
            if isinstance(r, NotificationRecord | NoNotificationRecord | ResolutionRecord)
        ]
        if others:
            self._store_coordination(others)

    def _store_brands(self, records: list[BrandRecord]) -> None:
        specs = [BrandSpec(r.name, r.country, r.industry, tuple(r.aliases)) for r in records]
        for _, changed in brands_upsert(specs):
            (self.summary.imported if changed else self.summary.duplicates)["brand"] += 1

    def _store_reports(self, prepared: list[PreparedReport]) -> None:
        assert self.brands is not None
        self.brands.add_unknown(item.record.brand for item in prepared if item.record.brand)
        for item in prepared:
            if item.record.brand:
                item.brand_id = self.brands.resolve(item.record.brand)
        result = report_ingest_batch(
            prepared=prepared, matcher=self.matcher, actor=self.actor,
            actor_label=self.actor_label,
            stored_refs=self.reports if self.reports.complete else None,
        )  # fmt: skip
        self.reports.add(result.created)
        self.summary.imported["report"] += len(result.created)
        self.summary.duplicates["report"] += len(result.duplicates)
        self.summary.incidents_created += result.incidents_created
        # Duplicates still resolve: a later line may name a report imported before.

    def _store_coordination(
        self, records: list[NotificationRecord | NoNotificationRecord | ResolutionRecord]
    ) -> None:
        self.reports.preload({(r.source or self.source, r.report) for r in records})
        grouped: dict[type, list[tuple[object, ReportRef]]] = {
            NotificationRecord: [], NoNotificationRecord: [], ResolutionRecord: [],
        }  # fmt: skip
        for record in records:
            target = self.reports.get(record.source or self.source, record.report)
            if target is None or (target.position or 0) > (record.position or 0):
                self._reject(
                    record.position or 0,
                    self._lines.get(record.position or 0, b""),
                    f"{_kind(record)} names report {record.report!r}, "
                    "which is neither earlier in the file nor in the database",
                )
                continue
            grouped[type(record)].append((record, target))
        result = coordination_import_batch(
            notifications=grouped[NotificationRecord],  # type: ignore[arg-type]
            no_notifications=grouped[NoNotificationRecord],  # type: ignore[arg-type]
            resolutions=grouped[ResolutionRecord],  # type: ignore[arg-type]
            source=self.source,
            actor=self.actor,
            actor_label=self.actor_label,
        )
        self.summary.imported.update(result.imported)
        self.summary.duplicates.update(result.duplicates)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic garbage collection during an import; what it made is then old.

    The collector walks every live object each time its oldest generation
    fills; an import's caches (keys, report refs) keep growing, so it walked
    them again and again: 3 s of a 10 s scenario import. An import makes
    almost no reference cycles (65 objects in the whole scenario), so it
    runs without the collector, and its survivors are moved to the oldest
    generation unwalked: a later full collection finds any cycle among them.
    Nested uses leave it off until the outermost one ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:  # nobody else froze objects: ours to move
            gc.freeze()  # every tracked object into the permanent generation ...
            gc.unfreeze()  # ... and back into the oldest one, neither walked
        gc.enable()


_KIND_NAMES = {
    NotificationRecord: "notification",
    NoNotificationRecord: "no_notification",
    ResolutionRecord: "resolution",
}


def _overlong(line: OverlongLine) -> str:
    return (
        f"line of {line.length:,} bytes, longer than the {MAX_LINE_BYTES:,} allowed: not "
        f"imported (its first {len(line):,} bytes are kept)"
    )


def _kind(record: object) -> str:
    return _KIND_NAMES.get(type(record), "record")
