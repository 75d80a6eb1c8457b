"""Background tasks of intake (django.tasks: the DB queue or Redis/RQ)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django_tasks import task

from renkei.intake.importer import ExchangeImporter


@task()
def import_exchange_file(path: str, source: str = "exchange") -> dict[str, Any]:
    """Import a file on a worker; the summary is the task's result."""
    summary = ExchangeImporter(source=source).run(Path(path))
    return summary.as_dict() | {"rejections": summary.rejected[:100]}
