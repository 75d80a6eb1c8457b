"""IntelMQ's file output with `hierarchical_output: true` nests the field names:
`{"classification": {"type": "phishing"}, "source": {"url": ...}}`. Every such
line was rejected ("missing classification.type"). It is read as the flat
names, and an event written both ways is one report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from renkei.intake.feeds.intelmq import IntelmqImporter
from renkei.intake.models import Report

pytestmark = pytest.mark.django_db
FLAT = {
    "classification.type": "phishing",
    "source.url": "https://bank.example-phish.net/login",
    "time.source": "2025-03-01T10:00:00+00:00",
    "feed.provider": "Example CERT",
    "extra.target": "Example Bank",
}
NESTED = {
    "classification": {"type": "phishing"},
    "source": {"url": "https://bank.example-phish.net/login"},
    "time": {"source": "2025-03-01T10:00:00+00:00"},
    "feed": {"provider": "Example CERT"},
    "extra": {"target": "Example Bank"},
}


def _write(path: Path, *events: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    return path


def test_a_hierarchical_event_is_read_by_its_flat_names(tmp_path: Path) -> None:
    summary = IntelmqImporter(source="intelmq").run(_write(tmp_path / "out.json", NESTED))

    assert summary.rejected == []
    report = Report.objects.get()
    assert (report.category, report.url) == ("phishing", "https://bank.example-phish.net/login")
    assert report.reporter == "Example CERT"
    assert report.brand_as_received == "Example Bank"


def test_the_same_event_written_flat_and_nested_is_one_report(tmp_path: Path) -> None:
    IntelmqImporter(source="intelmq").run(_write(tmp_path / "flat.json", FLAT))
    again = IntelmqImporter(source="intelmq").run(_write(tmp_path / "nested.json", NESTED))

    assert (again.imported["report"], again.duplicates["report"]) == (0, 1)
