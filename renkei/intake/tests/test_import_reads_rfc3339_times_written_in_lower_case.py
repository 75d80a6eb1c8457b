"""RFC 3339 §5.6: "T" and "Z" may be written in lower case (some loggers do)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from renkei.intake.models import Report
from renkei.intake.tests.helpers import import_objects, report

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "written", ["2023-04-03t02:36:00z", "2023-04-03T02:36:00z", "2023-04-03t11:36:00+09:00"]
)
def test_a_time_with_a_lower_case_t_or_z_is_imported(tmp_path: Path, written: str) -> None:
    line = report("lc1", written, category="scan", ip="198.51.100.9")

    summary = import_objects(tmp_path, [line])

    assert summary.rejected == []
    assert Report.objects.get().received_at == datetime(2023, 4, 3, 2, 36, tzinfo=UTC)
