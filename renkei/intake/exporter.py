"""Export everything in the exchange format (EXCHANGE-FORMAT.md), streamed.

Brands first, then reports in the order they were received, then the
coordination records, so every line that names a report comes after it.
Reports carry their incident's ref (`incident`), so an import into an empty
instance rebuilds exactly the same incidents, merges and splits included.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, When

from renkei.coordination.models import (
    NoNotification,
    Notification,
    NotificationStatus,
    Resolution,
)
from renkei.incidents.models import Brand, BrandAlias, IncidentMerge
from renkei.intake.importer import DEFAULT_SOURCE
from renkei.intake.models import Report

CHUNK = 5000
ProgressCallback = Callable[[int], None]


def _ts(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v not in ("", None, [], {})}


def _with_source(obj: dict[str, Any], source: str) -> dict[str, Any]:
    if source != DEFAULT_SOURCE:
        obj["source"] = source
    return obj


def _brands() -> Iterator[dict[str, Any]]:
    aliases: dict[int, list[str]] = {}
    for brand_id, alias in BrandAlias.objects.order_by("id").values_list("brand_id", "alias"):
        aliases.setdefault(brand_id, []).append(alias)
    for brand in Brand.objects.order_by("name").iterator(chunk_size=CHUNK):
        yield _clean(
            {
                "kind": "brand",
                "name": brand.name,
                "country": brand.country,
                "industry": brand.industry,
                "aliases": aliases.get(brand.id, []),
            }
        )


def _reports() -> Iterator[dict[str, Any]]:
    brand_names = dict(Brand.objects.values_list("id", "name"))
    merges = MergeChains()
    # The incident's ref and category by a join: a query per incident was most of
    # an export's time (241,476 of them for the phishing URL list).
    rows = Report.objects.order_by("received_at", "id").values(
        "id", "source", "ref", "received_at", "channel", "reporter", "category",
        "category_origin", "url_as_received", "ip", "ports", "brand_id", "text", "extra",
        "incident_id", "incident_key", "incident__ref", "incident__category", "incident__key",
    )  # fmt: skip
    for row in rows.iterator(chunk_size=CHUNK):
        incident_ref, incident_category = row["incident__ref"], row["incident__category"]
        obj = {
            "kind": "report",
            "ref": row["ref"],
            "received_at": _ts(row["received_at"]),
            "channel": row["channel"],
            "reporter": row["reporter"],
            "category": row["category"],
            # An analyst's or the classifier's: the reporter's is what a line means anyway.
            "category_origin": (
                row["category_origin"] if row["category_origin"] != "reporter" else None
            ),
            "url": row["url_as_received"],
            "ip": row["ip"],
            "ports": row["ports"],
            "brand": brand_names.get(row["brand_id"], ""),
            "text": row["text"],
            "incident": incident_ref,
            # An analyst's category for the incident (reclassified, or a merge
            # target), when its reports say another: else the import takes theirs.
            "incident_category": (
                incident_category if incident_category != row["category"] else None
            ),
            # A merge target keeps its own key, which its earliest report may not give.
            "incident_key": (
                row["incident__key"] if row["incident__key"] != row["incident_key"] else None
            ),
            "merged_from": merges.into(row["id"], row["incident_id"]),
        }
        yield _with_source(_clean({**row["extra"], **obj}), row["source"])


class MergeChains:
    """The merges that brought each report into its incident, for its `merged_from`.

    A merged-away incident has no reports left, so it and its merge record travel on
    the reports it gave: each names the incidents it was merged away from, the first
    first, each merged into the next and the last into the report's incident. Only
    merges still in force whose reports are still there: a report split out since is
    no longer where the merge put it. Merges are an analyst's, so few: all in memory.
    """

    def __init__(self) -> None:
        # (report id, target incident id) -> the latest merge that moved it there.
        self._by_target: dict[tuple[int, int], dict[str, Any]] = {}
        merges = IncidentMerge.objects.filter(undone_at=None).order_by("at", "id")
        for merge in merges.values(
            "source_id", "target_id", "at", "source_status", "moved", "source__ref",
            "source__category", "source__key",
        ):  # fmt: skip
            step = _clean({
                "incident": merge["source__ref"], "category": merge["source__category"],
                "key": merge["source__key"], "merged_at": _ts(merge["at"]),
                "status": merge["source_status"],
            })  # fmt: skip
            for report_id in merge["moved"].get("reports", []):
                self._by_target[(report_id, merge["target_id"])] = {
                    "step": step,
                    "from": merge["source_id"],
                }

    def into(self, report_id: int, incident_id: int) -> list[dict[str, Any]]:
        if (report_id, incident_id) not in self._by_target:  # nearly every report
            return []
        steps: list[dict[str, Any]] = []
        seen = {incident_id}
        while (merge := self._by_target.get((report_id, incident_id))) is not None:
            steps.append(merge["step"])
            incident_id = merge["from"]
            if incident_id in seen:  # merges in force never loop; the guard is only that
                break
            seen.add(incident_id)
        steps.reverse()
        return steps


def _naming_a_report(records: QuerySet[Any]) -> QuerySet[Any]:
    """Coordination records with the report their line names (`report_ref`, `report_source`).

    A line names "any report of the incident" (EXCHANGE-FORMAT.md): the record's own
    report while it is in the record's incident, else the incident's first. Records
    made in the console have no report, and a split moves reports but not records.
    """
    first = Report.objects.filter(incident=OuterRef("incident")).order_by("received_at", "id")
    own = Q(report__incident=F("incident"))
    return records.annotate(
        **{
            f"report_{name}": Case(
                When(own, then=F(f"report__{name}")), default=Subquery(first.values(name)[:1])
            )
            for name in ("ref", "source")
        }
    )


def _named(rows: QuerySet[Any]) -> Iterator[dict[str, Any]]:
    for row in rows.iterator(chunk_size=CHUNK):
        # None only on an incident merged away, whose reports all moved: what stayed
        # on it repeats a record of the incident it was merged into.
        if row["report_ref"] is not None:
            yield row


# What renkei keeps of a notification it sent from the console.
_SENT_TEXT = ("subject", "body", "language", "error", "message_id", "attempts")


def _coordination() -> Iterator[dict[str, Any]]:
    notifications = _naming_a_report(Notification.objects.order_by("sent_at", "id")).values(
        "source", "ref", "sent_at", "recipient", "recipient_country", "basis", "status",
        "extra", "report_ref", "report_source", *_SENT_TEXT, "contact__email",
        "created_by__username",
    )  # fmt: skip
    for row in _named(notifications):
        obj = {
            "kind": "notification",
            "ref": row["ref"],
            "report": row["report_ref"],
            "sent_at": _ts(row["sent_at"]),
            "recipient": row["recipient"],
            "recipient_country": row["recipient_country"],
            "basis": row["basis"],
            # Queued or failed: never sent, so not counted; "sent" is what a line means.
            "status": row["status"] if row["status"] != NotificationStatus.SENT else None,
            **_as_sent(row),
        }
        yield _with_source(_clean({**row["extra"], **obj}), row["report_source"])
    yield from _decisions()


def _as_sent(row: dict[str, Any]) -> dict[str, Any]:
    """A notification's own source, text and delivery, so a restored one can be sent again.

    "source" on the line is its report's; the notification's own (`console`) is written
    beside it when it differs. A contact or sender missing where the notification was
    imported stayed in `extra`: written again from there (None here would hide it).
    """
    own_source = row["source"] if row["source"] != row["report_source"] else None
    return {
        "notification_source": own_source,
        **{name: row[name] or None for name in _SENT_TEXT},
        "contact": row["contact__email"] or row["extra"].get("contact"),
        "created_by": row["created_by__username"] or row["extra"].get("created_by"),
    }


def _decisions() -> Iterator[dict[str, Any]]:
    decisions = _naming_a_report(NoNotification.objects.order_by("decided_at", "id")).values(
        "decided_at", "reason", "extra", "report_ref", "report_source"
    )
    for row in _named(decisions):
        obj = {
            "kind": "no_notification",
            "report": row["report_ref"],
            "decided_at": _ts(row["decided_at"]),
            "reason": row["reason"],
        }
        yield _with_source(_clean({**row["extra"], **obj}), row["report_source"])
    resolutions = _naming_a_report(Resolution.objects.order_by("resolved_at", "id")).values(
        "resolved_at", "extra", "report_ref", "report_source"
    )
    for resolution in _named(resolutions):
        obj = {
            "kind": "resolution",
            "report": resolution["report_ref"],
            "resolved_at": _ts(resolution["resolved_at"]),
        }
        yield _with_source(_clean({**resolution["extra"], **obj}), resolution["report_source"])


def export_line_count() -> int:
    """At most how many lines an export writes (a record naming no report is left out)."""
    models = (Brand, Report, Notification, NoNotification, Resolution)
    return sum(model.objects.count() for model in models)


def export_objects() -> Iterator[dict[str, Any]]:
    yield from _brands()
    yield from _reports()
    yield from _coordination()


def _open_for_writing(path: Path, *, compressed: bool) -> IO[bytes]:
    if compressed:
        return gzip.open(path, "wb", compresslevel=6)  # type: ignore[return-value]
    return path.open("wb")


def export_to_file(path: Path, *, progress: ProgressCallback | None = None) -> int:
    """Write every object as one JSON line; returns the number of lines.

    The lines go to `PATH.partial`, renamed to `path` once complete: an export
    stopped midway (a full disk, Ctrl-C) must not leave a file that looks like a
    whole backup, since importing it would restore only what came before the stop.
    """
    partial = path.with_name(path.name + ".partial")
    try:
        count = _write_lines(partial, compressed=path.suffix == ".gz", progress=progress)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def _write_lines(path: Path, *, compressed: bool, progress: ProgressCallback | None) -> int:
    count = 0
    with _open_for_writing(path, compressed=compressed) as out:
        for obj in export_objects():
            out.write(json.dumps(obj, ensure_ascii=False).encode() + b"\n")
            count += 1
            if progress and count % CHUNK == 0:
                progress(count)
    return count
