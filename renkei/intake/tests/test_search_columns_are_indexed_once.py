"""Reports are searched by host and IP, incidents by ref, with equality: one index each."""

from __future__ import annotations

import pytest
from django.db import connection

from renkei.incidents.models import Incident
from renkei.intake.models import Report

pytestmark = pytest.mark.django_db


def _indexed_columns() -> list[list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Report._meta.db_table)
    return [info["columns"] for info in found.values() if info["index"]]


def test_host_and_ip_each_have_an_index() -> None:
    indexed = _indexed_columns()

    assert indexed.count(["host"]) == 1
    assert indexed.count(["ip"]) == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="optional: LIKE-pattern indexes exist only on PostgreSQL",
)
def test_no_like_pattern_index_is_kept_for_reports_or_incidents_on_postgresql() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN (%s, %s) AND indexdef LIKE %s",
            [Report._meta.db_table, Incident._meta.db_table, "%pattern_ops%"],
        )
        assert cursor.fetchall() == []
