"""Shadowserver reports joined into one file (`cat scan_ssh.csv scan_snmp.csv`) import alike.

Each report type has its own columns. A header met after the first one was
read as a data row ("timestamp 'timestamp' is not a timestamp"), and the rows
after it by the first report's columns: rejected when the counts differed
("not a valid port: 'udp/0'"), read into the wrong fields when they matched.
A row that names the required columns is a header: the rows after it are read by it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.intake.feeds.shadowserver import ShadowserverImporter
from renkei.intake.models import Report

pytestmark = pytest.mark.django_db
SSH = (
    b'"timestamp","ip","port","hostname","tag","asn","geo","protocol"\r\n'
    b'"2024-03-01 00:00:05","192.0.2.10",22,"h.example.jp","ssh",64500,"JP","tcp"\r\n'
)
SNMP = (
    b'"timestamp","ip","protocol","port","tag","asn","geo","sysdesc"\r\n'
    b'"2024-03-01 00:00:06","192.0.2.20","udp",161,"snmp",64501,"JP","Linux 5.4"\r\n'
)


def test_each_report_s_rows_are_read_by_its_own_header(tmp_path: Path) -> None:
    path = tmp_path / "joined.csv"
    path.write_bytes(SSH + SNMP)

    summary = ShadowserverImporter(source="shadowserver").run(path)

    assert summary.rejected == []
    assert (summary.lines, summary.imported["report"]) == (4, 2)
    snmp = Report.objects.get(ip="192.0.2.20")
    assert snmp.ports == ["161/udp"]
    assert snmp.extra["shadowserver"] == {"tag": "snmp", "asn": "64501", "geo": "JP"}
