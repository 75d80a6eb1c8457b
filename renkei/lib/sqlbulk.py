"""Plain multi-row INSERT and UPDATE for bulk intake.

Django's bulk_create compiles every value through the expression machinery,
which costs more than the database work itself at tens of thousands of rows
per second. These helpers adapt values once per field and send one
statement per chunk (on SQLite, a statement of as many rows as it may
bind). They serve services only; they check nothing and write no audit
record.
"""

from __future__ import annotations

import functools
import itertools
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from django.db import connection, models

from renkei.lib.readahead import reading_may_run

Adapter = Callable[[Any], Any]


# A report's time is written again as its incident's first and last time,
# often in the same batch: remembering the text halves the conversions.
@functools.lru_cache(maxsize=20_000)  # a few batches of reports and their incidents
def _sqlite_datetime(value: datetime) -> str:
    # What Django's SQLite backend stores with USE_TZ: naive UTC, space-separated.
    if value.tzinfo is None:
        return value.isoformat(" ")
    return value.astimezone(UTC).isoformat(" ")[:-6]  # without "+00:00"


_EMPTY_JSON: dict[type, str] = {list: "[]", dict: "{}"}
# One encoder for every value: json.dumps with any option builds a new one per call.
_encode_json_slowly = json.JSONEncoder(ensure_ascii=False).encode


def _encode_json(value: Any) -> str:
    # orjson: a report's `extra` took 1.5 us a row through json's encoder, a
    # twentieth of the whole budget of a row at 20,000 rows/s.
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # a key that is not text, an integer over 64 bits: json copes
        return _encode_json_slowly(value)


def _json_text(value: Any) -> str:
    if not value:  # most ports/extra are empty: skip the encoder
        return _EMPTY_JSON.get(type(value)) or _encode_json(value)
    return _encode_json(value)


def _adapter(field: models.Field[Any, Any]) -> Adapter | None:
    sqlite = connection.vendor == "sqlite"
    if isinstance(field, models.DateTimeField):
        return _sqlite_datetime if sqlite else None
    if isinstance(field, models.JSONField):
        # Text on PostgreSQL too: COPY and a %s parameter take JSON text for a
        # jsonb column, and psycopg's Jsonb wrapper cost 1.5 s of a 25 s import.
        return _json_text
    if isinstance(field, models.BinaryField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _columns(
    model: type[models.Model], names: Sequence[str]
) -> tuple[list[str], list[Adapter | None]]:
    fields = [model._meta.get_field(name) for name in names]
    columns = [connection.ops.quote_name(str(f.column)) for f in fields]  # type: ignore[union-attr]
    return columns, [_adapter(f) for f in fields]  # type: ignore[arg-type]


def _adapt(rows: Sequence[Sequence[Any]], adapters: list[Adapter | None]) -> list[tuple[Any, ...]]:
    """Convert the values that need it, a column at a time (the hot loop of bulk intake)."""
    if not rows or not any(adapters):
        return [tuple(row) for row in rows]
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for index, adapt in enumerate(adapters):
        if adapt is not None:
            column = columns[index]
            if None in column:
                columns[index] = [None if value is None else adapt(value) for value in column]
            else:
                columns[index] = list(map(adapt, column))
    return list(zip(*columns, strict=True))


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for `count` new rows, so that related rows can be built before inserting.

    Must run inside the transaction that inserts them. On SQLite that
    transaction holds the write lock from its start (IMMEDIATE mode), so
    nobody else can take the ids; on PostgreSQL the sequence hands them out.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            start = int(cursor.fetchone()[0]) + 1
            return list(range(start, start + count))
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [int(row[0]) for row in cursor.fetchall()]


def insert(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows (tuples in the order of `names`), ids included when named."""
    if not rows:
        return
    columns, adapters = _columns(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        _copy(table, columns, _adapt(rows, adapters))
        return
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    _multirow(head, "", len(columns), _adapt(rows, adapters))


def _copy(table: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
    """PostgreSQL's COPY: one round trip for the whole batch instead of one per row."""
    # Django's error classes, as from its own cursor (see _multirow).
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def insert_returning(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert rows with new ids, returned in the order of `rows`."""
    ids = reserve_ids(model, len(rows))
    insert(model, ("id", *names), [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
    return ids


def existing(
    model: type[models.Model], field: str, values: Sequence[str], **equal: object
) -> set[str]:
    """Which of `values` are already in `field` (with the `equal` filters; None is NULL)."""
    return set(_select_in(model, field, field, values, equal))


def existing_ids(
    model: type[models.Model], field: str, values: Sequence[str], **equal: object
) -> list[int]:
    """Ids of the rows whose `field` is one of `values` (with the `equal` filters)."""
    return _select_in(model, "id", field, values, equal)


def _select_in(
    model: type[models.Model], selected: str, field: str, values: Sequence[str],
    equal: dict[str, object],
) -> list[Any]:  # fmt: skip
    # Raw SQL: compiling a 500-value IN through the ORM cost more than the lookup.
    def column(name: str) -> str:
        return connection.ops.quote_name(str(model._meta.get_field(name).column))  # type: ignore[union-attr]

    table = connection.ops.quote_name(model._meta.db_table)
    where = "".join(
        f" AND {column(name)} IS NULL" if value is None else f" AND {column(name)} = %s"
        for name, value in equal.items()
    )
    params: list[Any] = [value for value in equal.values() if value is not None]
    found: list[Any] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), 10_000):
            chunk = list(values[start : start + 10_000])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {column(selected)} FROM {table} WHERE {column(field)} IN ({marks}){where}",
                [*chunk, *params],
            )
            found.extend(row[0] for row in cursor.fetchall())
    return found


def update(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE by id: each row holds the values of `names`, then the id."""
    if not rows:
        return
    columns, adapters = _columns(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    adapted = _adapt(rows, [*adapters, None])
    if connection.vendor != "sqlite" or sqlite3.sqlite_version_info < (3, 33):  # no UPDATE FROM
        assignments = ", ".join(f"{c} = %s" for c in columns)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", adapted)
        return
    # SQLite names the columns of a VALUES list column1, column2, ...; the id comes last.
    assignments = ", ".join(f"{c} = v.column{n}" for n, c in enumerate(columns, start=1))
    head = "WITH v AS (VALUES "
    tail = (
        f") UPDATE {table} SET {assignments} FROM v WHERE {table}.id = v.column{len(columns) + 1}"
    )
    _multirow(head, tail, len(columns) + 1, adapted)


def _multirow(head: str, tail: str, width: int, rows: list[tuple[Any, ...]]) -> None:
    """SQLite: `head (?, ...), (?, ...) tail` for as many rows as one statement may bind.

    Not executemany: it runs a statement per row and takes the GIL back after
    each one, which another thread of the import (reading the next batch)
    holds for milliseconds at a time; one statement for a thousand rows runs
    its B-tree work without the GIL. Sent on the sqlite3 connection itself,
    these statements are not in Django's query log or execute wrappers.
    """
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    row = "(" + ", ".join(["?"] * width) + ")"
    cursor = connection.connection.cursor()  # Django's would rewrite every %s of the text
    try:
        start = 0
        for size in _statement_sizes(len(rows), max(1, limit // width)):
            values = list(itertools.chain.from_iterable(rows[start : start + size]))
            start += size
            # Django's error classes, as from its own cursor: the importer tells a
            # full disk (stop the import) from a bad batch (reject its lines) by them.
            with reading_may_run(), connection.wrap_database_errors:
                cursor.execute(head + ", ".join([row] * size) + tail, values)
    finally:
        cursor.close()


def _statement_sizes(count: int, most: int) -> list[int]:
    """Rows per statement: `most` while there are as many, the rest in powers of two.

    The sqlite3 module keeps the last 128 statements prepared, by their text;
    a statement of each batch's odd remainder would fill that cache with big
    programs used once (over 100 MB in a feed import). Powers of two repeat.
    """
    sizes = [most] * (count // most)
    rest = count % most
    sizes.extend(1 << bit for bit in reversed(range(rest.bit_length())) if rest & (1 << bit))
    return sizes


class OtherWriters:
    """Whether another connection may have committed since the last look.

    A bulk import keeps what it learned (incidents by key, report ids,
    brands) across its batches, and other channels or analysts may write
    in between. SQLite's `data_version` changes exactly when another
    connection committed; PostgreSQL has no such counter, so there every
    look answers yes and the caches are read again for each batch.
    Look inside the transaction that will use the caches, after its lock.
    """

    def __init__(self) -> None:
        self._seen: int | None = None

    def can_tell(self) -> bool:
        """Whether `wrote()` can say no: only on SQLite."""
        return connection.vendor == "sqlite"

    def wrote(self) -> bool:
        if not self.can_tell():
            return True
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA data_version")
            version = int(cursor.fetchone()[0])
        # The first look has nothing to compare with: there is nothing cached yet either.
        changed = self._seen is not None and version != self._seen
        self._seen = version
        return changed


# WAL pages between checkpoints during a bulk import (128 MB of 4 KB pages).
BULK_CHECKPOINT_PAGES = 32_768


@contextmanager
def rare_checkpoints() -> Iterator[None]:
    """SQLite: checkpoint the WAL every 128 MB instead of every 4 MB during a bulk import.

    By default a commit that leaves over 1,000 pages in the WAL copies them
    into the database file; committing a batch at a time, a bulk import
    copied the same index pages again and again (0.5 s of a 7 s scenario
    import). Readers are not blocked. The WAL file shrinks back to
    `journal_size_limit` (settings.py) once a later checkpoint empties it.
    Nested uses change nothing.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        previous = int(cursor.fetchone()[0])
    if previous >= BULK_CHECKPOINT_PAGES:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {previous}")
            if not connection.in_atomic_block:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
