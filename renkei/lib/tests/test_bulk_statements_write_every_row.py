"""sqlbulk writes many rows per statement on SQLite, as many as one statement may bind."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest
from django.db import IntegrityError, connection, transaction

from renkei.incidents.models import Brand
from renkei.lib import sqlbulk

pytestmark = pytest.mark.django_db


@pytest.fixture
def few_parameters() -> Iterator[None]:
    """Ten parameters a statement: a few rows each, so that rows span statements."""
    if connection.vendor != "sqlite":
        pytest.skip("optional: a SQLite limit (PostgreSQL copies rows)")
    connection.ensure_connection()
    limit = sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
    previous = connection.connection.setlimit(limit, 10)
    yield
    connection.connection.setlimit(limit, previous)


def _brands(count: int) -> list[tuple[str, str, str, str]]:
    return [(f"Brand {n}", f"brand {n}", "JP" if n % 2 else "", "bank") for n in range(count)]


def test_insert_writes_every_row_across_statements(few_parameters: None) -> None:
    rows = _brands(23)  # 4 columns: 2 rows a statement, the last one alone

    sqlbulk.insert(Brand, ("name", "name_key", "country", "industry"), rows)

    stored = Brand.objects.order_by("id").values_list("name", "name_key", "country", "industry")
    assert list(stored) == rows


def test_update_sets_each_row_its_own_values_across_statements(few_parameters: None) -> None:
    ids = sqlbulk.insert_returning(Brand, ("name", "name_key", "country", "industry"), _brands(7))
    changes = [(f"New {n}", "US" if n % 3 else "GB", pk) for n, pk in enumerate(ids)]

    sqlbulk.update(Brand, ("name", "country"), changes)  # 3 parameters a row: 3 rows a statement

    stored = Brand.objects.order_by("id").values_list("name", "country", "id")
    assert list(stored) == changes
    assert list(Brand.objects.order_by("id").values_list("industry", flat=True)) == ["bank"] * 7


def test_update_and_insert_on_any_database_with_the_usual_limit() -> None:
    ids = sqlbulk.insert_returning(
        Brand, ("name", "name_key", "country", "industry"), _brands(2_000)
    )
    sqlbulk.update(Brand, ("country",), [("KR", pk) for pk in ids[::2]])

    assert Brand.objects.count() == 2_000
    assert Brand.objects.filter(country="KR").count() == 1_000


def test_statements_come_in_few_sizes_whatever_the_batch() -> None:
    # The sqlite3 module keeps 128 prepared statements by text: odd sizes would crowd it.
    seen: set[int] = set()
    for count in range(3_000):
        sizes = sqlbulk._statement_sizes(count, 1_489)
        assert sum(sizes) == count
        seen.update(sizes)

    assert seen == {1_489} | {1 << bit for bit in range(11)}


def test_a_database_error_is_djangos_as_from_any_other_query() -> None:
    # The importer stops on a full disk (OperationalError) and rejects a bad batch
    # otherwise: it knows them by Django's classes.
    rows = [("Same", "same", "", "bank")] * 2

    with pytest.raises(IntegrityError), transaction.atomic():
        sqlbulk.insert(Brand, ("name", "name_key", "country", "industry"), rows)


@pytest.mark.parametrize(
    "value",
    [{"file": "2025/202504.csv", "line": 7, "brand": "三井住友"}, {1: "a key not text"},
     {"count": 2**70}, ["22/tcp"]],
)  # fmt: skip
def test_json_values_are_written_as_json_text_whatever_orjson_refuses(value: object) -> None:
    # orjson writes nearly every value; a key that is not text or an integer over
    # 64 bits goes to json's encoder instead of failing the batch.
    assert json.loads(sqlbulk._json_text(value)) == json.loads(json.dumps(value))
