"""A report that comes after a later one of its key joins the earlier incident it falls in,
as it would have in time order, instead of opening an incident of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.incidents.models import Incident
from renkei.intake.models import Report
from renkei.intake.tests.helpers import import_objects, report

pytestmark = pytest.mark.django_db

APRIL_1, MAY_15, APRIL_5 = (
    report(ref, at, category="scan", ip="198.51.100.1")
    for ref, at in (("o1", "2023-04-01T00:00:00Z"), ("o2", "2023-05-15T00:00:00Z"),
                    ("o3", "2023-04-05T00:00:00Z"))
)  # fmt: skip


def _incidents() -> list[list[str]]:
    return sorted(
        sorted(Report.objects.filter(incident=incident).values_list("ref", flat=True))
        for incident in Incident.objects.all()
    )


def test_a_late_report_joins_the_earlier_incident_it_falls_in_within_one_file(
    tmp_path: Path,
) -> None:
    import_objects(tmp_path, [APRIL_1, MAY_15, APRIL_5])

    assert _incidents() == [["o1", "o3"], ["o2"]]


def test_a_late_report_joins_the_earlier_incident_it_falls_in_in_a_later_import(
    tmp_path: Path,
) -> None:
    import_objects(tmp_path, [APRIL_1, MAY_15])
    import_objects(tmp_path, [APRIL_5])

    assert _incidents() == [["o1", "o3"], ["o2"]]
