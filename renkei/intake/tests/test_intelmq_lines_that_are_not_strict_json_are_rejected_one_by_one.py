"""An IntelMQ line Python's json module reads but JSON does not allow is rejected alone.

`json.loads` accepts `NaN` and `Infinity`, a lone UTF-16 surrogate (`"\\ud800"`),
and nests until Python's recursion limit. A NaN made the batch's `extra`
invalid JSON for the database: all its lines, up to 5,000 good events, were
rejected as an internal error. A lone surrogate could not be encoded, and a
line nested too deep raised RecursionError: either ended the whole import with
a traceback. Such a line is now rejected as not valid JSON, as in the exchange format.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from renkei.intake.feeds.intelmq import IntelmqImporter
from renkei.intake.models import RawReport, RawStatus, Report
from renkei.intake.tests.helpers import write_lines

pytestmark = pytest.mark.django_db


def _event(n: int, **fields: object) -> dict[str, object]:
    return {"classification.type": "phishing", "source.url": f"http://s{n}.example/",
            "time.source": "2024-03-01T10:00:00+00:00", **fields}  # fmt: skip


NAN = json.dumps(_event(9, **{"extra.score": float("nan")}))
SURROGATE = json.dumps(_event(9, comment="\ud800"))
DEEP = json.dumps(_event(9)).replace("}", ', "extra.x": ' + "[" * 100_000 + "]" * 100_000 + "}")


@pytest.mark.parametrize("bad", [NAN, SURROGATE, DEEP], ids=["nan", "surrogate", "deep"])
def test_the_line_is_rejected_with_its_text_and_its_neighbours_imported(
    tmp_path: Path, bad: str
) -> None:
    path = write_lines(tmp_path / "events.jsonl", [_event(1), bad, _event(3)])

    summary = IntelmqImporter(source="intelmq").run(path)

    assert sorted(Report.objects.values_list("url", flat=True)) == [
        "http://s1.example/",
        "http://s3.example/",
    ]
    assert [position for position, _ in summary.rejected] == [2]
    assert summary.rejected[0][1].startswith("not valid JSON")
    kept = RawReport.objects.get(status=RawStatus.FAILED)
    assert bytes(kept.content) == bad.encode()
