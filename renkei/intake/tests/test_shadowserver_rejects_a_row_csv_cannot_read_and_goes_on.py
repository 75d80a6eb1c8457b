"""A Shadowserver row Python's csv module cannot read is rejected; the rest is imported.

A field over csv's 128 KiB limit (a corrupted or unbalanced-quote file) or a
carriage return inside an unquoted field (a report re-saved by a spreadsheet)
made csv raise its own error, which ended the whole import with a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.intake.feeds.shadowserver import ShadowserverImporter
from renkei.intake.models import RawReport, RawStatus, Report

pytestmark = pytest.mark.django_db
HEADER = b'"timestamp","ip","port","banner"\n'
GOOD = b'"2024-03-01 00:00:05","192.0.2.10",22,"SSH-2.0-OpenSSH_9.6"\n'
OVERSIZED = b'"2024-03-01 00:00:06","192.0.2.11",22,"' + b"x" * 200_000 + b'"\n'
CARRIAGE_RETURN = b"2024-03-01 00:00:07,192.0.2.12,22,SSH\rbanner\n"


@pytest.mark.parametrize("bad", [OVERSIZED, CARRIAGE_RETURN], ids=["oversized", "cr"])
def test_the_row_is_rejected_with_its_text_and_the_next_row_imported(
    tmp_path: Path, bad: bytes
) -> None:
    path = tmp_path / "scan_ssh.csv"
    path.write_bytes(HEADER + bad + GOOD)

    summary = ShadowserverImporter(source="shadowserver").run(path)

    assert list(Report.objects.values_list("ip", flat=True)) == ["192.0.2.10"]
    assert [position for position, _ in summary.rejected] == [2]
    assert "not a CSV row" in summary.rejected[0][1]
    kept = RawReport.objects.get(status=RawStatus.FAILED)
    assert bytes(kept.content) == bad.rstrip(b"\n")
