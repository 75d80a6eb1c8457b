"""A row of a CSV feed that Python's csv module cannot read is rejected; the rest is imported.

A field over csv's 128 KiB limit (a corrupted or unbalanced-quote file) or a
carriage return inside an unquoted field (a file re-saved by a spreadsheet)
made csv raise its own error, which ended the whole import with a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.intake.feeds.base import FeedImporter
from renkei.intake.feeds.phishurl import PhishurlImporter
from renkei.intake.feeds.shadowserver import ShadowserverImporter
from renkei.intake.models import RawReport, RawStatus, Report

pytestmark = pytest.mark.django_db

SHADOWSERVER = (
    ShadowserverImporter,
    b'"timestamp","ip","port","banner"\n',
    b'"2024-03-01 00:00:05","192.0.2.10",22,"SSH-2.0-OpenSSH_9.6"\n',
    {
        "oversized": b'"2024-03-01 00:00:06","192.0.2.11",22,"' + b"x" * 200_000 + b'"\n',
        "cr": b"2024-03-01 00:00:07,192.0.2.12,22,SSH\rbanner\n",
    },
)
PHISHURL = (
    PhishurlImporter,
    b"date,URL,description\n",
    b"2024/03/01 10:00:00,https://good.example/login,Example Bank\n",
    {
        # Rows without a double quote are split without csv; these have one.
        "oversized": b'2024/03/01 10:00:00,"https://big.example/'
        + b"x" * 200_000
        + b'",Example Bank\n',
        "cr": b'2024/03/01 10:00:00,https://cr.example/"x,Example\rBank\n',
    },
)
CASES = [
    pytest.param(feed[0], feed[1], feed[2], bad, id=f"{feed[0].format_name}-{name}")
    for feed in (SHADOWSERVER, PHISHURL)
    for name, bad in feed[3].items()
]


@pytest.mark.parametrize(("importer", "header", "good", "bad"), CASES)
def test_the_row_is_rejected_with_its_text_and_the_next_row_imported(
    tmp_path: Path, importer: type[FeedImporter], header: bytes, good: bytes, bad: bytes
) -> None:
    path = tmp_path / "feed.csv"
    path.write_bytes(header + bad + good)

    summary = importer(source=importer.format_name).run(path)

    assert Report.objects.count() == 1
    assert [position for position, _ in summary.rejected] == [2]
    assert "not a CSV row" in summary.rejected[0][1]
    kept = RawReport.objects.get(status=RawStatus.FAILED)
    assert bytes(kept.content) == bad.rstrip(b"\n")
