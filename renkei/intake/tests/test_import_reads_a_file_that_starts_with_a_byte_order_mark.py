"""A UTF-8 file saved by Notepad or Excel starts with a byte order mark (EF BB BF)."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

import pytest

from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import Report
from renkei.intake.tests.helpers import report, write_lines

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("compressed", [False, True])
def test_the_first_record_after_a_byte_order_mark_is_imported(
    tmp_path: Path, compressed: bool
) -> None:
    lines = [
        report("m1", "2023-04-01T10:00:00+09:00", category="phishing", url="https://a.example/"),
        report("m2", "2023-04-01T11:00:00+09:00", category="phishing", url="https://b.example/"),
    ]
    content = codecs.BOM_UTF8 + write_lines(tmp_path / "plain.jsonl", lines).read_bytes()
    path = tmp_path / ("marked.jsonl.gz" if compressed else "marked.jsonl")
    path.write_bytes(gzip.compress(content) if compressed else content)

    summary = ExchangeImporter().run(path)

    assert summary.rejected == []
    assert sorted(Report.objects.values_list("ref", flat=True)) == ["m1", "m2"]
    first = Report.objects.get(ref="m1")
    assert first.raw_bytes().startswith(b'{"kind": "report", "ref": "m1"')
