"""A report whose extra data nests deeper than renkei keeps is refused, alone.

JSON parsers read up to 1,024 levels (orjson) or about 1,000 (Python's json);
the code that stores `extra` walks it recursively, and at a few hundred levels
Python's recursion limit ended the whole import with a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from renkei.accounts.models import User
from renkei.accounts.services import api_token_create
from renkei.intake.feeds.intelmq import IntelmqImporter
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.helpers import import_objects, report
from renkei.lib.normalize import MAX_JSON_DEPTH

pytestmark = pytest.mark.django_db
DEEP = '{"level": ' * 900 + '"leaf"' + "}" * 900
SHALLOW: dict[str, Any] = {"a": {"b": [{"c": 1}]}}


def _nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"level": value}
    return value


def test_an_exchange_line_is_rejected_and_the_next_imported(tmp_path: Path) -> None:
    deep = json.dumps(report("deep", "2025-01-01T00:00:00Z", url="http://a.example/"))
    summary = import_objects(
        tmp_path,
        [
            deep[:-1] + f', "x": {DEEP}}}',  # a key the format does not know goes to extra
            report("fine", "2025-01-01T00:00:00Z", url="http://b.example/", x=SHALLOW),
        ],
    )

    assert [position for position, _ in summary.rejected] == [1]
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in summary.rejected[0][1]
    assert Report.objects.get().extra == {"x": SHALLOW}


def test_the_deepest_nesting_kept_is_imported(tmp_path: Path) -> None:
    # The line is the outermost object; "x" holds the other levels.
    x = _nested(MAX_JSON_DEPTH - 1)
    summary = import_objects(
        tmp_path, [report("edge", "2025-01-01T00:00:00Z", url="http://a.example/", x=x)]
    )

    assert (summary.imported["report"], summary.rejected) == (1, [])


def test_an_intelmq_event_is_rejected_and_the_next_imported(tmp_path: Path) -> None:
    event = {"classification.type": "phishing", "time.source": "2025-01-01T00:00:00Z"}
    deep = json.dumps({**event, "source.url": "http://a.example/"})[:-1] + f', "extra.x": {DEEP}}}'
    fine = json.dumps({**event, "source.url": "http://b.example/"})
    path = tmp_path / "events.jsonl"
    path.write_text(f"{deep}\n{fine}\n", encoding="utf-8")

    summary = IntelmqImporter(source="intelmq").run(path)

    assert [position for position, _ in summary.rejected] == [1]
    assert Report.objects.get().url == "http://b.example/"


def test_an_api_submission_is_refused_with_400_and_its_request_kept(
    client: Any, personas: dict[str, User]
) -> None:
    user = personas["participant_a"]
    token = api_token_create(actor=user, user=user, name="test")[1]
    # Deep enough to refuse, shallow enough for the body's JSON parser to read.
    body = json.dumps({"ref": "deep-1", "category": "other", "extra": _nested(100)})

    response = client.post(
        "/api/reports", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip

    assert response.status_code == 400
    said = f"the body's JSON is nested deeper than {MAX_JSON_DEPTH} levels"
    assert response.json()["detail"] == said
    assert Report.objects.count() == 0
    kept = RawReport.objects.get(channel="api")
    assert bytes(kept.content) == body.encode() and said in kept.error
