"""Bulk import of the exchange format: stream, batch, report every bad line.

The file is read line by line (plain or gzip) and never held whole; lines
are parsed, prepared by the experts and handed to the same services every
other intake path uses, a batch at a time.
"""

from __future__ import annotations

import gzip
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction

from renkei.accounts.models import User
from renkei.coordination.services import coordination_import_batch
from renkei.incidents.brands import BrandCatalog, brand_upsert
from renkei.incidents.dedup import IncidentMatcher
from renkei.intake.exchange import (
    BrandRecord,
    NoNotificationRecord,
    NotificationRecord,
    Record,
    ReportRecord,
    ResolutionRecord,
    parse_line,
)
from renkei.intake.experts import PreparedReport, prepare_report
from renkei.intake.models import Report
from renkei.intake.services import (
    ReportRef,
    raw_report_record_failure,
    raw_report_store,
    report_ingest_batch,
)
from renkei.lib.errors import RenkeiError, ValidationError

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

    def add(self, refs: dict[tuple[str, str], ReportRef]) -> None:
        if len(self._known) + len(refs) > self._limit:
            self._known.clear()  # bounded memory; misses fall back to the database
        self._known.update(refs)

    def preload(self, wanted: set[tuple[str, str]]) -> None:
        missing: dict[str, list[str]] = {}
        for source, ref in wanted - self._known.keys():
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


def _open(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """(raw file for progress, stream of decompressed lines)."""
    raw = path.open("rb")
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        # The buffered reader makes line iteration over gzip several times faster.
        return raw, io.BufferedReader(gzip.GzipFile(fileobj=raw), 1 << 16)
    raw.seek(0)
    return raw, raw


def _batches(stream: IO[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        batch.append((number, line.rstrip(b"\r\n")))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class ExchangeImporter:
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
        self.matcher = IncidentMatcher(window_days=settings.RENKEI_DEDUP_WINDOW_DAYS)
        self.reports = ReportIndex()
        self.brands: BrandCatalog | None = None
        self._lines: dict[int, bytes] = {}

    def run(self, path: Path) -> ImportSummary:
        if not path.is_file():
            raise RenkeiError(f"no such file: {path}")
        raw, stream = _open(path)
        with raw:
            try:
                for batch in _batches(stream, self.batch_size):
                    self._import_batch(batch)
                    self.summary.lines = batch[-1][0]
                    if self.progress:
                        self.progress(raw.tell(), self.summary.lines)
            except (OSError, EOFError) as exc:
                # A truncated .gz: everything before the break is imported.
                self.summary.reject(self.summary.lines + 1, f"file unreadable from here: {exc}")
        return self.summary

    def _store_raw(self, batch: list[tuple[int, bytes]]) -> tuple[int, dict[int, int]]:
        """Keep the chunk's bytes first; return its id and each line's offset."""
        offsets, offset = {}, 0
        for position, line in batch:
            offsets[position] = offset
            offset += len(line) + 1
        content = b"\n".join(line for _, line in batch) + b"\n"
        raw = raw_report_store(
            channel="import", source=self.source, content=content,
            content_type="application/jsonl", position=batch[0][0],
        )  # fmt: skip
        return raw.pk, offsets

    def _import_batch(self, batch: list[tuple[int, bytes]]) -> None:
        self._lines = dict(batch)
        raw_id, offsets = self._store_raw(batch)
        records: list[Record] = []
        for position, line in batch:
            try:
                record = parse_line(line, position)
            except ValidationError as exc:
                self._reject(position, line, exc.message)
                continue
            if isinstance(record, ReportRecord):
                record.raw_id, record.raw_offset = raw_id, offsets[position]
                record.raw_length = len(line)
            records.append(record)
        try:
            self._store(records)
        except ValidationError:
            raise
        except Exception as exc:  # noqa: BLE001 - keep the lines, report the bug
            self.matcher.reset()
            for position, line in batch:
                self._reject(position, line, f"internal error, batch not imported: {exc!r}")

    def _reject(self, position: int, line: bytes, reason: str) -> None:
        self.summary.reject(position, reason)
        with transaction.atomic():
            raw_report_record_failure(
                channel="import", source=self.source, content=line, reason=reason,
                position=position,
            )  # fmt: skip

    def _store(self, records: list[Record]) -> None:
        brands = [r for r in records if isinstance(r, BrandRecord)]
        with transaction.atomic():
            for brand in brands:
                self._store_brand(brand)
        if self.brands is None or brands:
            self.brands = BrandCatalog()
        reports = [r for r in records if isinstance(r, ReportRecord)]
        if reports:
            self._store_reports(reports)
        others = [
            r
            for r in records
            if isinstance(r, NotificationRecord | NoNotificationRecord | ResolutionRecord)
        ]
        if others:
            self._store_coordination(others)

    def _store_brand(self, record: BrandRecord) -> None:
        _, changed = brand_upsert(
            name=record.name, country=record.country, industry=record.industry,
            aliases=record.aliases,
        )  # fmt: skip
        (self.summary.imported if changed else self.summary.duplicates)["brand"] += 1

    def _prepare(self, records: list[ReportRecord]) -> list[PreparedReport]:
        assert self.brands is not None
        prepared = []
        for record in records:
            try:
                prepared.append(prepare_report(record, source=self.source, brands=self.brands))
            except ValidationError as exc:
                self._reject(record.position or 0, record.raw, exc.message)
        return prepared

    def _store_reports(self, records: list[ReportRecord]) -> None:
        prepared = self._prepare(records)
        result = report_ingest_batch(
            prepared=prepared, matcher=self.matcher, actor=self.actor,
            actor_label=self.actor_label,
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


_KIND_NAMES = {
    NotificationRecord: "notification",
    NoNotificationRecord: "no_notification",
    ResolutionRecord: "resolution",
}


def _kind(record: object) -> str:
    return _KIND_NAMES.get(type(record), "record")
