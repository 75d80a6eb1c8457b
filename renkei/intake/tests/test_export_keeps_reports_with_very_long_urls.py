"""Export then import keeps a report whatever the length of its URL or text.

Feeds and e-mail take a URL of any length (phishing links carry long tokens), but the
import refused a `url` over 8,000 characters ('field 'url' is longer than 8000
characters'): such a report was lost when a backup was restored. A line is bounded
(MAX_LINE_BYTES); fields stored without a bound are bounded only by it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.incidents.tests.factories import ingest
from renkei.intake.exporter import export_to_file
from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import Report
from renkei.intake.tests.scenario import wipe_records

pytestmark = pytest.mark.django_db


def test_a_report_with_a_url_of_nine_thousand_characters_comes_back(tmp_path: Path) -> None:
    url = "https://long.example/verify?session=" + "A1b2" * 2250
    text = "本文" * 600_000
    ingest(url=url, text=text)
    path = tmp_path / "all.jsonl"
    export_to_file(path)
    wipe_records()

    summary = ExchangeImporter().run(path)

    assert summary.rejected == []
    assert Report.objects.values_list("url_as_received", "text").get() == (url, text)
