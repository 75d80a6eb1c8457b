"""A line in Shift_JIS or Latin-1 in an exchange file: the analyst is told it is not UTF-8."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import Report
from renkei.intake.tests.helpers import report

pytestmark = pytest.mark.django_db


def _line(ref: str, text: str) -> str:
    at = "2023-04-01T10:00:00+09:00"
    obj = report(ref, at, category="phishing", url=f"https://{ref}.example/", text=text)
    return json.dumps(obj, ensure_ascii=False) + "\n"


def test_a_line_in_another_encoding_is_rejected_as_not_utf8_naming_the_byte(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mixed.jsonl"
    good, sjis = _line("e1", "日本語"), _line("e2", "日本語")
    path.write_bytes(good.encode() + sjis.encode("cp932") + _line("e3", "café").encode())

    summary = ExchangeImporter().run(path)

    assert sorted(Report.objects.values_list("ref", flat=True)) == ["e1", "e3"]
    ((position, reason),) = summary.rejected
    first_bad = sjis.index("日") + 1
    assert position == 2
    assert reason.startswith(f"not UTF-8: byte 0x93 at byte {first_bad} of the line")
    assert "surrogates" not in reason
