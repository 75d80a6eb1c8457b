"""No plain index of ours is the leading part of another index of its table.

Such an index answers nothing the longer one cannot, and every row written
pays for it: bulk intake writes hundreds of thousands of rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "intake", "incidents", "coordination", "enrichment", "sharing", "reports"}


def _partial(model: type[models.Model]) -> set[str]:
    """Indexes that cover only some rows: a shorter full index is not redundant beside them."""
    declared: list[Any] = [*model._meta.indexes, *model._meta.constraints]
    return {item.name for item in declared if getattr(item, "condition", None) is not None}


def _indexes(model: type[models.Model]) -> dict[str, tuple[list[str], bool]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    partial = _partial(model)
    return {
        name: (info["columns"], bool(info["unique"]))
        for name, info in found.items()
        if (info["index"] or info["unique"]) and not info["primary_key"]
        and info["columns"] and name not in partial
    }  # fmt: skip


def _repeated(model: type[models.Model]) -> list[str]:
    indexes = _indexes(model)
    return [
        f"{model._meta.db_table}: {short} {columns} starts {long} {longer}"
        for short, (columns, unique) in indexes.items()
        for long, (longer, _) in indexes.items()
        if not unique and len(columns) < len(longer) and longer[: len(columns)] == columns
    ]


def test_no_plain_index_is_the_start_of_another() -> None:
    ours = [
        model for model in apps.get_models(include_auto_created=False)
        if model._meta.app_label in OUR_APPS and model._meta.managed
    ]  # fmt: skip

    repeated = [line for model in ours for line in _repeated(model)]

    assert len(ours) > 10  # the apps were found
    assert repeated == []
