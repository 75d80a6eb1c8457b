"""A file whose lines end with a carriage return alone (classic Mac OS, some old exports
and spreadsheet tools) is read line by line, as one with LF or CRLF endings.

It was read as one line, which the JSON parser rejected ('unexpected content after
document'): not one record of the file was imported.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from renkei.intake.importer import ExchangeImporter
from renkei.intake.models import Report
from renkei.intake.tests.helpers import report, write_lines

pytestmark = pytest.mark.django_db


def _cr_only(tmp_path: Path, *, compressed: bool, with_bom: bool = False) -> Path:
    lines = [
        report("m1", "2023-04-01T10:00:00+09:00", category="phishing", url="https://a.example/"),
        "{not json",
        report("m2", "2023-04-01T11:00:00+09:00", category="phishing", url="https://b.example/"),
    ]
    content = write_lines(tmp_path / "lf.jsonl", lines).read_bytes().replace(b"\n", b"\r")
    content = b"\xef\xbb\xbf" + content if with_bom else content
    path = tmp_path / ("mac.jsonl.gz" if compressed else "mac.jsonl")
    path.write_bytes(gzip.compress(content) if compressed else content)
    return path


@pytest.mark.parametrize("compressed", [False, True])
def test_every_record_of_a_file_with_cr_line_endings_is_imported(
    tmp_path: Path, compressed: bool
) -> None:
    summary = ExchangeImporter().run(_cr_only(tmp_path, compressed=compressed))

    assert [position for position, _ in summary.rejected] == [2]
    assert sorted(Report.objects.values_list("ref", flat=True)) == ["m1", "m2"]
    assert Report.objects.get(ref="m2").raw_bytes().startswith(b'{"kind": "report", "ref": "m2"')


def test_a_byte_order_mark_before_cr_line_endings_is_passed_over(tmp_path: Path) -> None:
    summary = ExchangeImporter().run(_cr_only(tmp_path, compressed=False, with_bom=True))

    assert Report.objects.count() == 2 and summary.lines == 3


def test_a_carriage_return_between_the_tokens_of_an_lf_line_stays_json_whitespace(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lf.jsonl"
    path.write_bytes(
        b'{"kind": "report",\r "ref": "m1", "received_at": "2023-04-01T10:00:00+09:00",'
        b' "category": "phishing", "url": "https://a.example/"}\r\n'
    )

    assert ExchangeImporter().run(path).rejected == []
    assert Report.objects.get().ref == "m1"


def test_a_first_record_of_several_kilobytes_does_not_hide_cr_line_endings(
    tmp_path: Path,
) -> None:
    long_text = "フィッシング " * 2000  # 38,000 bytes of UTF-8
    lines = [
        report("m1", "2023-04-01T10:00:00+09:00", category="phishing", url="https://a.example/",
               text=long_text),
        report("m2", "2023-04-01T11:00:00+09:00", category="phishing", url="https://b.example/"),
    ]  # fmt: skip
    path = tmp_path / "mac.jsonl"
    path.write_bytes(write_lines(tmp_path / "lf.jsonl", lines).read_bytes().replace(b"\n", b"\r"))

    assert ExchangeImporter().run(path).rejected == []
    assert Report.objects.get(ref="m1").text == long_text
