"""Merge and assignee links are empty on almost every incident: indexed only where set."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from renkei.incidents.models import Incident


def _uses_index(queryset: object, name: str) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test table is tiny: make the planner show whether it can use the index.
            cursor.execute("SET LOCAL enable_seqscan = off")
    # The whole name: Django's own index on the column is incidents_incident_merged_into_id_...
    return re.search(rf"\b{name}\b", queryset.explain()) is not None  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize(
    ("lookup", "index"),
    [
        ({"merged_into": 5}, "incident_merged_into"),
        ({"merged_into__in": [5, 6]}, "incident_merged_into"),
        ({"assignee_id": 3}, "incident_assignee"),
    ],
)
def test_a_lookup_by_link_uses_the_partial_index(lookup: dict[str, object], index: str) -> None:
    assert _uses_index(Incident.objects.filter(**lookup), index)


def _index_definition(name: str) -> str:
    query = (
        "SELECT indexdef FROM pg_indexes WHERE indexname = %s"
        if connection.vendor == "postgresql"
        else "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [name])
        row = cursor.fetchone()
    assert row is not None, f"no index {name}"
    return str(row[0])


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize(
    ("index", "column"),
    [("incident_merged_into", "merged_into_id"), ("incident_assignee", "assignee_id")],
)
def test_the_indexes_leave_out_empty_links(index: str, column: str) -> None:
    definition = " ".join(_index_definition(index).replace('"', "").split())
    assert definition.endswith(f"WHERE ({column} IS NOT NULL)") or definition.endswith(
        f"WHERE {column} IS NOT NULL"
    ), definition
