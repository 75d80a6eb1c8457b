"""A brand name is whatever a feed wrote: in the PDF a long one wraps in its own column."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from renkei.reports.periods import Quarter
from renkei.reports.render_pdf import quarterly_pdf
from renkei.reports.tests import records

pytestmark = pytest.mark.django_db
LONG = "W" * 200  # the longest name a brand may have, with no place to break


def _words(pdf: Path) -> tuple[float, list[tuple[float, str]]]:
    """The page width and (right edge, text) of every word pdftotext finds."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', out).group(1))  # type: ignore[union-attr]
    words = re.findall(
        r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]+)</word>', out
    )
    return width, [(float(right), text) for right, text in words]


def test_a_long_domestic_brand_wraps_inside_the_left_half(tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    at = datetime(2023, 4, 10, 9, tzinfo=ZoneInfo("Asia/Tokyo"))
    records.incident("phishing", at, brand=records.brand(LONG, "JP"))
    records.incident("phishing", at, brand=records.brand("Overseas Bank", "US"))
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(quarterly_pdf(Quarter.parse("2023-04"), lang="en"))

    width, words = _words(pdf)

    pieces = [(right, text) for right, text in words if set(text) == {"W"}]
    assert sum(len(text) for _, text in pieces) == len(LONG)  # all of it, in pieces
    assert max(right for right, _ in pieces) < width / 2  # the domestic side is the left
