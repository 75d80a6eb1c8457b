"""A notification line naming a source (`"source": "email"`, as `renkei export` writes for
a report that came in by e-mail) is a duplicate when imported again, like any other line.

The import looked for the notification's ref in its own source (`exchange`) but stored it
in the line's, so a second import inserted it again: the unique constraint failed and the
whole batch, reports included, was rejected as an internal error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.coordination.models import Notification
from renkei.intake.importer import ExchangeImporter
from renkei.intake.tests.helpers import report, write_lines

pytestmark = pytest.mark.django_db


def _file(tmp_path: Path) -> Path:
    return write_lines(tmp_path / "backup.jsonl", [
        report("m1", "2025-04-01T10:00:00+09:00", source="email", category="phishing",
               url="https://a.example/login"),
        {"kind": "notification", "ref": "n1", "source": "email", "report": "m1",
         "sent_at": "2025-04-02T10:00:00+09:00", "recipient": "abuse@a.example"},
    ])  # fmt: skip


def test_a_second_import_counts_it_as_a_duplicate_and_rejects_nothing(tmp_path: Path) -> None:
    path = _file(tmp_path)
    ExchangeImporter().run(path)

    again = ExchangeImporter().run(path)

    assert again.rejected == []
    assert again.duplicates == {"report": 1, "notification": 1}
    assert list(Notification.objects.values_list("source", "ref")) == [("email", "n1")]
