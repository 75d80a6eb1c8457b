from __future__ import annotations

import json
from pathlib import Path

import pytest

from renkei.intake.feeds.intelmq import IntelmqImporter, category_for
from renkei.intake.models import Report

pytestmark = pytest.mark.django_db
EVENTS = Path(__file__).parent / "fixtures" / "intelmq" / "events.jsonl"


@pytest.mark.parametrize(
    ("rsit", "category"),
    [
        ("phishing", "phishing"),
        ("scanner", "scan"),
        ("ddos", "dos"),
        ("dos", "dos"),
        ("malware-distribution", "malware_site"),
        ("unauthorised-information-modification", "defacement"),
        ("Phishing", "phishing"),
        ("spam", "other"),
        ("c2-server", "other"),
    ],
)
def test_rsit_types_map_to_categories(rsit: str, category: str) -> None:
    assert category_for(rsit) == category


def test_intelmq_events_become_feed_reports_by_the_rsit_table() -> None:
    summary = IntelmqImporter(source="intelmq").run(EVENTS)

    assert summary.imported["report"] == 6
    by_category = {r.category: r for r in Report.objects.all()}
    assert by_category["phishing"].url == "https://paypal.example-phish.net/login"
    assert by_category["phishing"].brand.name == "PayPal"
    assert by_category["phishing"].reporter == "Example CERT"
    assert (by_category["scan"].ip, by_category["scan"].ports) == ("198.51.100.7", ["22/tcp"])
    assert by_category["dos"].ip == "192.0.2.80"  # the target, not the attacker
    assert by_category["malware_site"].host == "dl.example-bad.org"
    assert by_category["defacement"].url == "http://defaced.example.jp/"
    assert by_category["other"].ip == "192.0.2.25"
    assert all(r.channel == "feed" for r in Report.objects.all())
    assert by_category["scan"].extra["intelmq"]["feed.name"] == "Honeypot"


def test_bad_intelmq_lines_are_rejected_with_their_line_numbers() -> None:
    summary = IntelmqImporter(source="intelmq").run(EVENTS)

    assert summary.rejected == [
        (7, "a phishing event needs source.url or source.fqdn"),
        (8, "not valid JSON (invalid literal, expected 'null': line 1 column 1 (char 0))"),
    ]


def test_the_same_event_collected_again_is_a_duplicate(tmp_path: Path) -> None:
    IntelmqImporter(source="intelmq").run(EVENTS)
    recollected = tmp_path / "again.jsonl"
    first = EVENTS.read_text().splitlines()[0]
    recollected.write_text(first.replace("2024-03-01T11:00:00", "2024-03-05T00:00:00") + "\n")

    summary = IntelmqImporter(source="intelmq").run(recollected)

    assert summary.duplicates["report"] == 1


def test_a_scanner_events_port_is_the_one_probed_never_the_scanners_own(tmp_path: Path) -> None:
    # A scanner's source.port is the ephemeral port its system picked: counted, it
    # would put tens of thousands of random ports into the scanned-port table.
    base = {
        "classification.type": "scanner", "time.source": "2025-04-01T00:00:00+00:00",
        "source.ip": "198.51.100.9", "source.port": 51234, "protocol.transport": "tcp",
    }  # fmt: skip
    lines = [{**base, "destination.port": 3389}, {**base, "source.ip": "198.51.100.10"}]
    path = tmp_path / "scan.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))

    IntelmqImporter(source="intelmq").run(path)

    ports = dict(Report.objects.values_list("ip", "ports"))
    assert ports == {"198.51.100.9": ["3389/tcp"], "198.51.100.10": []}
    assert Report.objects.get(ip="198.51.100.10").extra["intelmq"]["source.port"] == 51234
