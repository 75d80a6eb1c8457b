"""Deciding which incident a report belongs to (EXCHANGE-FORMAT.md, incident keys).

A report joins the latest incident with the same category and key when
that incident's latest report is at most the dedup window before it;
otherwise it opens a new incident. A report that arrives out of time order
joins the latest incident of its key whose span, widened by the window on
both sides, holds it, rather than opening one of its own.
When an analyst merged that incident into another, the report joins the
one it was merged into: the analyst has said they are one event. The
matcher keeps what it has learned about keys in memory for the length of
one import, so a batch costs one query for the keys it has not seen yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.db import connection
from django.db.models import F

from renkei.incidents.models import Incident
from renkei.intake.models import CategoryOrigin, Report
from renkei.lib import sqlbulk


def parse_port_text(value: str) -> tuple[int, str]:
    """`22/tcp` as stored in Incident.ports -> (22, "tcp")."""
    number, _, protocol = value.partition("/")
    return int(number), protocol


@dataclass(slots=True)
class IncidentState:
    """What the matcher knows of one incident while a batch is being built."""

    category: str
    key: str | None
    first_report_at: datetime
    last_report_at: datetime
    id: int | None = None
    report_count: int = 0
    brand_id: int | None = None
    # Whether brand_id is an analyst's decision on a report, which wins over the
    # first report's brand (incidents.services._brand_of).
    brand_decided: bool = False
    ports: set[tuple[int, str]] = field(default_factory=set)
    new_ports: set[tuple[int, str]] = field(default_factory=set)
    explicit_ref: str | None = None
    changed: bool = False
    # (first_report_at, brand_id) as last stored; None before the first save.
    stored: tuple[datetime, int | None] | None = None

    # The columns `from_row` reads, for `.values(*STATE_COLUMNS)`.
    STATE_COLUMNS: ClassVar[tuple[str, ...]] = (
        "id", "ref", "category", "key", "first_report_at", "last_report_at", "report_count",
        "brand_id", "ports",
    )  # fmt: skip

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> IncidentState:
        """What the matcher knows of a stored incident (a `.values(*STATE_COLUMNS)` row)."""
        return cls(
            category=row["category"],
            key=row["key"],
            first_report_at=row["first_report_at"],
            last_report_at=row["last_report_at"],
            id=row["id"],
            report_count=row["report_count"],
            brand_id=row["brand_id"],
            ports={parse_port_text(p) for p in row["ports"]},
            stored=(row["first_report_at"], row["brand_id"]),
        )

    def mark_stored(self) -> None:
        self.stored = (self.first_report_at, self.brand_id)

    def moved_in_indexes(self) -> bool:
        """Whether first_report_at or brand_id changed since the incident was stored."""
        return self.stored != (self.first_report_at, self.brand_id)

    def absorb(self, received_at: datetime, brand_id: int | None, *, decided: bool = False) -> None:
        self.first_report_at = min(self.first_report_at, received_at)
        self.last_report_at = max(self.last_report_at, received_at)
        self.report_count += 1
        if brand_id is not None and (self.brand_id is None or (decided and not self.brand_decided)):
            self.brand_id, self.brand_decided = brand_id, decided
        self.changed = True

    def add_ports(self, ports: list[tuple[int, str]]) -> None:
        for port in ports:
            if port not in self.ports:
                self.ports.add(port)
                self.new_ports.add(port)


class IncidentMatcher:
    def __init__(self, *, window_days: int) -> None:
        self.window = timedelta(days=window_days)
        # Every live incident of a key seen so far, not only the latest: a report
        # that arrives out of time order may belong to an earlier one.
        self._by_key: dict[tuple[str, str], list[IncidentState]] = {}
        self._looked_up: set[tuple[str, str]] = set()
        self._loaded: dict[int, IncidentState] = {}  # by incident id
        # Whether every stored incident is one this matcher opened or was told of:
        # then a key it has not seen has no incident, and nothing need be fetched.
        self._knows_every_incident = False
        # Whether every stored incident's ref is one made from its id (none named by an import).
        self._only_made_refs = True

    def knows_every_incident(self) -> None:
        """Say that the database held no incident when this matcher started and that
        nobody else has written since: the caller knows it (a bulk import alone on an
        empty SQLite database, `ExchangeImporter`). `reset()` forgets it."""
        self._knows_every_incident = True

    def refs_are_free(self) -> bool:
        """Whether a ref made from a new incident's id is sure to be unused, without asking
        the database: every stored incident is known and has a ref made from its own id."""
        return self._knows_every_incident and self._only_made_refs

    def preload(self, keys: set[tuple[str, str]]) -> None:
        """Fetch the live incidents of each (category, key) not seen yet."""
        if self._knows_every_incident:
            return
        wanted = keys - self._looked_up
        self._looked_up |= wanted
        by_category: dict[str, list[str]] = {}
        for category, key in wanted:
            by_category.setdefault(category, []).append(key)
        for category, cat_keys in by_category.items():
            for start in range(0, len(cat_keys), 500):
                self._load(category, cat_keys[start : start + 500])

    def _load(self, category: str, keys: list[str]) -> None:
        ids = sqlbulk.existing_ids(Incident, "key", keys, category=category)
        if not ids:  # the usual answer for keys seen for the first time
            return
        rows = _state_rows(ids)
        live = _merge_targets(rows)
        states = self.states_of(live.values())
        for row in list(rows.values()):
            target = live.get(row["id"])
            if target is not None:
                self._know((category, row["key"]), states[target["id"]])

    def states_of(self, rows: Iterable[dict[str, Any]]) -> dict[int, IncidentState]:
        """One state per stored incident, however it was found (by key, by a merge,
        by an explicit ref): two states of one incident would each write their count.
        By incident id."""
        found: dict[int, IncidentState] = {}
        new: list[IncidentState] = []
        for row in rows:
            state = self._loaded.get(row["id"])
            if state is None:
                state = self._loaded[row["id"]] = IncidentState.from_row(row)
                new.append(state)
            found[row["id"]] = state
        for state in _with_decided_brands(new):
            state.brand_decided = True
        return found

    def adopt(self, states: Iterable[IncidentState]) -> None:
        """After saving: the incidents this import opened are found by id from now on."""
        for state in states:
            if state.id is not None:
                self._loaded.setdefault(state.id, state)

    def match(self, category: str, key: str | None, received_at: datetime) -> IncidentState:
        """The incident this report joins; a new (unsaved) state when none fits."""
        if key is not None:
            current = self._joinable(self._by_key.get((category, key)), received_at)
            if current is not None:
                return current
        state = IncidentState(
            category=category, key=key, first_report_at=received_at, last_report_at=received_at
        )
        if key is not None:
            self._know((category, key), state)
        return state

    def _joinable(
        self, states: list[IncidentState] | None, received_at: datetime
    ) -> IncidentState | None:
        """The latest incident of the key that the report falls near, if any.

        Only the latest was tried before: three reports of Apr 1, May 15 and Apr 5
        made three incidents in that order and two in time order.
        """
        if not states:
            return None
        near = (s for s in states if self._within_window(s, received_at))
        return max(near, key=lambda s: s.last_report_at, default=None)

    def _know(self, ident: tuple[str, str], state: IncidentState) -> None:
        states = self._by_key.setdefault(ident, [])
        if not any(known is state for known in states):
            states.append(state)

    def _within_window(self, state: IncidentState, received_at: datetime) -> bool:
        # Reports normally arrive in time order; one that arrives late still
        # joins when it falls inside the incident's span widened by the window.
        return (
            state.first_report_at - self.window <= received_at <= state.last_report_at + self.window
        )

    def register(self, state: IncidentState) -> None:
        """Make an incident named explicitly by an import known to later matches."""
        self._only_made_refs = False
        if state.key is not None:
            self._know((state.category, state.key), state)

    def know_merged(self, category: str, key: str, target: IncidentState) -> None:
        """An incident with this key was merged into `target` (an import restored it)."""
        self._know((category, key), target)

    def reset(self) -> None:
        """Forget everything, after a batch was rolled back and states are stale."""
        self._by_key.clear()
        self._looked_up.clear()
        self._loaded.clear()
        self._knows_every_incident = False


_MERGE_COLUMNS = (*IncidentState.STATE_COLUMNS, "merged_into_id")


def _with_decided_brands(states: list[IncidentState]) -> list[IncidentState]:
    """The stored incidents among `states` whose brand an analyst decided on a report.

    A later report decided by an analyst too must not replace it: the first
    decision stays the incident's brand (incidents.services._brand_of).
    """
    branded = {s.id: s for s in states if s.id is not None and s.brand_id is not None}
    if not branded:
        return []
    decided = (
        Report.objects.filter(
            incident_id__in=list(branded),
            category_origin=CategoryOrigin.ANALYST,
            brand_id=F("incident__brand_id"),
        )
        .values_list("incident_id", flat=True)
        .distinct()
    )
    return [branded[pk] for pk in decided]


def _state_rows(ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in Incident.objects.filter(id__in=ids).values(*_MERGE_COLUMNS)}


def _merge_targets(rows: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """For each incident, itself when live, else the live incident it was merged into.

    A merge target may itself be merged later, so the links are followed;
    `rows` grows with the targets read on the way.
    """
    while True:
        missing = {
            r["merged_into_id"]
            for r in rows.values()
            if r["merged_into_id"] is not None and r["merged_into_id"] not in rows
        }
        found = _state_rows(missing) if missing else {}
        if not found:
            break
        rows.update(found)
    live: dict[int, dict[str, Any]] = {}
    for pk, row in list(rows.items()):
        target: dict[str, Any] | None = row
        for _ in range(len(rows)):  # merges never form a loop; the bound is only a guard
            if target is None or target["merged_into_id"] is None:
                break
            target = rows.get(target["merged_into_id"])
        if target is not None and target["merged_into_id"] is None:
            live[pk] = target
    return live


# Lock buckets for incident keys: a bulk batch names thousands of keys, and
# PostgreSQL's shared lock table holds about 64 locks per connection.
KEY_LOCK_BUCKETS = 32
_KEY_LOCK_BASE = 0x72656E6B00  # "renk": keeps clear of other advisory lock users


def lock_keys(keys: Iterable[tuple[str, str]]) -> None:
    """PostgreSQL: wait for other writers of these (category, key)s, until commit.

    Two channels opening the same new key at once would otherwise each see no
    incident and each open one. After the lock, a query sees what they
    committed. SQLite needs none: its writers take turns for the whole
    transaction. Buckets are taken in ascending order, so writers cannot
    deadlock.
    """
    if connection.vendor != "postgresql":
        return
    buckets = sorted({_bucket(category, key) for category, key in keys})
    if buckets:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(bucket) FROM unnest(%s::bigint[]) AS bucket",
                [[_KEY_LOCK_BASE + bucket for bucket in buckets]],
            )


def _bucket(category: str, key: str) -> int:
    digest = hashlib.blake2b(f"{category}\0{key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % KEY_LOCK_BUCKETS
