"""Scan reports name their ports in Japanese as often as in English.

`ポート22/tcp`, `22/tcpへのスキャン`, `22番ポート` give their ports (the scan
statistics count them); numbers of dates, times and addresses do not.
"""

from __future__ import annotations

import pytest

from renkei.intake.brandmatch import BrandMatcher
from renkei.intake.suggest import Clues, ports_in, suggest


@pytest.mark.parametrize(
    ("text", "ports"),
    [
        ("ポート22/tcp", ["22/tcp"]),
        ("22/tcpへのスキャン", ["22/tcp"]),
        ("ポート22/tcpと445/tcp", ["22/tcp", "445/tcp"]),
        ("22番ポートへのアクセス", ["22/tcp"]),
        ("ポート番号：3389 に接続試行", ["3389/tcp"]),
        ("ポート53/udpへの大量の問い合わせ", ["53/udp"]),
        ("port 53/udp and ports 22", ["53/udp", "22/tcp"]),
        ("198.51.100.7:8080/tcp から", ["8080/tcp"]),
    ],
)
def test_the_ports_a_report_names_are_found(text: str, ports: list[str]) -> None:
    assert ports_in(text) == ports


@pytest.mark.parametrize(
    "text",
    [
        "2024/10/22 10:22 にスキャンを検知",
        "ポート 2024/10/22 から",
        "ポート10:22頃",
        "port 192.0.2.1",
        "report 22 and support 23",
        "123456/tcp",
        "22/tcpx",
    ],
)
def test_numbers_that_are_no_ports_are_left_alone(text: str) -> None:
    assert ports_in(text) == []


def test_a_japanese_scan_report_keeps_its_ports() -> None:
    clues = Clues(
        subject="ポートスキャンの報告",
        text="198.51.100.23 からポート22/tcpと445/tcpへのスキャンを受けました。",
        ips={"198.51.100.23": "global"},
    )

    suggestion = suggest(clues, BrandMatcher([]))

    assert (suggestion.category, suggestion.ports) == ("scan", ["22/tcp", "445/tcp"])
