from __future__ import annotations

from pathlib import Path

import pytest

from renkei.incidents.models import Incident
from renkei.intake.feeds.shadowserver import ShadowserverImporter
from renkei.intake.models import Report

pytestmark = pytest.mark.django_db
SCAN = Path(__file__).parent / "fixtures" / "shadowserver" / "scan_ssh.csv"


def test_shadowserver_rows_become_scan_reports_by_address() -> None:
    summary = ShadowserverImporter(source="shadowserver").run(SCAN)

    assert summary.imported["report"] == 3
    report = Report.objects.filter(ip="192.0.2.11").get()
    assert (report.category, report.ports, report.channel) == ("scan", ["2222/tcp"], "feed")
    assert report.received_at.isoformat() == "2024-03-01T00:00:07+00:00"
    assert report.extra["shadowserver"] == {
        "tag": "ssh",
        "asn": "64500",
        "geo": "JP",
        "region": "OSAKA",
        "city": "OSAKA",
        "naics": "0",
        "sic": "0",
    }
    # Two rows for one address: one incident.
    assert Incident.objects.get(key="192.0.2.10").report_count == 2


def test_bad_shadowserver_rows_are_rejected_with_reasons() -> None:
    summary = ShadowserverImporter(source="shadowserver").run(SCAN)

    assert [line for line, _ in summary.rejected] == [5, 6]
    assert "not a valid IP address" in summary.rejected[0][1]
    assert summary.rejected[1][1] == "expected 14 columns as in the header, found 2"


def test_a_file_without_the_header_is_refused_line_by_line(tmp_path: Path) -> None:
    headless = tmp_path / "headless.csv"
    headless.write_text('"2024-03-01 00:00:05","192.0.2.10",22\n')

    summary = ShadowserverImporter(source="shadowserver").run(headless)

    assert summary.rejected == [(1, "the first line must be the header; it lacks timestamp, ip")]


def test_reimporting_a_shadowserver_report_adds_nothing() -> None:
    ShadowserverImporter(source="shadowserver").run(SCAN)

    again = ShadowserverImporter(source="shadowserver").run(SCAN)

    assert (again.imported["report"], again.duplicates["report"]) == (0, 3)
