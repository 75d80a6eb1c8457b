"""A Shadowserver file without its header: each row says there is no header before it.

Every row after a refused first line was rejected as "the first line must be the
header", a message about another line, repeated for each row of the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.intake.feeds.shadowserver import ShadowserverImporter
from renkei.intake.models import Report

pytestmark = pytest.mark.django_db
ROW = '"2024-03-01 00:00:0{n}","192.0.2.1{n}",22\n'


def test_rows_after_a_refused_first_line_name_the_missing_header(tmp_path: Path) -> None:
    headless = tmp_path / "headless.csv"
    headless.write_text("".join(ROW.format(n=n) for n in range(3)))

    summary = ShadowserverImporter(source="shadowserver").run(headless)

    assert [reason for _, reason in summary.rejected] == [
        "the first line must be the header; it lacks timestamp, ip",
        "no header before this row (a Shadowserver report starts with one naming timestamp "
        "and ip): its columns are unknown",
        "no header before this row (a Shadowserver report starts with one naming timestamp "
        "and ip): its columns are unknown",
    ]


def test_a_header_after_a_stray_first_line_is_still_read(tmp_path: Path) -> None:
    late = tmp_path / "late.csv"
    late.write_text('report generated 2024-03-01\n"timestamp","ip","port"\n' + ROW.format(n=1))

    summary = ShadowserverImporter(source="shadowserver").run(late)

    assert [position for position, _ in summary.rejected] == [1]
    assert list(Report.objects.values_list("ip", flat=True)) == ["192.0.2.11"]
