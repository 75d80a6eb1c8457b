"""Scan ports (table 4): top 10 by quarter total, ties by port then protocol."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from renkei.reports.figures import quarterly_figures
from renkei.reports.periods import Quarter
from renkei.reports.tests import records

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
Q = Quarter.parse("2023-04")


def scan(month: int, *ports: str, category: str = "scan") -> None:
    records.incident(category, datetime(2023, month, 10, 9, tzinfo=TOKYO), ports=ports)


def test_ties_put_the_lower_port_first_then_the_protocol() -> None:
    for port in ("8080/tcp", "23/tcp", "5060/udp", "5060/tcp", "22/tcp"):
        scan(4, port)
    scan(5, "445/tcp")
    scan(6, "445/tcp")

    top = quarterly_figures(Q)["scan_ports"]["top"]

    assert [(r["port"], r["protocol"], r["total"]) for r in top] == [
        (445, "tcp", 2), (22, "tcp", 1), (23, "tcp", 1), (5060, "tcp", 1), (5060, "udp", 1),
        (8080, "tcp", 1),
    ]  # fmt: skip
    assert top[0]["months"] == [0, 1, 1]


def test_only_ten_ports_are_listed_but_month_totals_count_every_pair() -> None:
    for index in range(12):
        scan(4, f"{1000 + index}/tcp", "22/tcp")
    scan(6, "23/tcp")
    scan(5, "80/tcp", category="dos")  # not a scan incident

    ports = quarterly_figures(Q)["scan_ports"]

    assert len(ports["top"]) == 10
    assert ports["top"][0] == {"port": 22, "protocol": "tcp", "months": [12, 0, 0], "total": 12}
    assert [r["port"] for r in ports["top"][1:3]] == [23, 1000]
    assert ports["top"][-1]["port"] == 1007
    assert ports["month_totals"] == [24, 0, 1]
    assert ports["total"] == 25
