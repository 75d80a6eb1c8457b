"""A phishing URL list row Python's csv module cannot read is rejected; the rest is imported.

Rows with a double quote go through csv; one with a carriage return inside
an unquoted field, or a field over csv's 128 KiB limit, made it raise its own
error, which ended the whole import with a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.intake.feeds.phishurl import PhishurlImporter
from renkei.intake.models import RawReport, RawStatus, Report

pytestmark = pytest.mark.django_db
HEADER = b"date,URL,description\n"
GOOD = b"2024/03/01 10:00:00,https://good.example/login,Example Bank\n"
CARRIAGE_RETURN = b'2024/03/01 10:00:00,https://cr.example/"x,Example\rBank\n'
OVERSIZED = b'2024/03/01 10:00:00,"https://big.example/' + b"x" * 200_000 + b'",Example Bank\n'


@pytest.mark.parametrize("bad", [CARRIAGE_RETURN, OVERSIZED], ids=["cr", "oversized"])
def test_the_row_is_rejected_with_its_text_and_the_next_row_imported(
    tmp_path: Path, bad: bytes
) -> None:
    path = tmp_path / "202403.csv"
    path.write_bytes(HEADER + bad + GOOD)

    summary = PhishurlImporter(source="phishurl").run(path)

    assert list(Report.objects.values_list("host", flat=True)) == ["good.example"]
    assert [position for position, _ in summary.rejected] == [2]
    assert "not a CSV row" in summary.rejected[0][1]
    kept = RawReport.objects.get(status=RawStatus.FAILED)
    assert bytes(kept.content) == bad.rstrip(b"\n")
