"""An IntelMQ event without `time.source` is dated by its `time.observation`; when that
time is unusable, the rejection names `time.observation`, the field the event has.

It named `time.source` ("time.source 'yesterday' is not a timestamp"), which
sent the analyst looking for a field the event does not carry.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.intake.feeds.intelmq import IntelmqImporter
from renkei.intake.tests.helpers import write_lines

pytestmark = pytest.mark.django_db
SITE = {"classification.type": "phishing", "source.url": "http://s.example/"}


def _rejection(tmp_path: Path, **times: str) -> str:
    path = write_lines(tmp_path / "e.jsonl", [SITE | times])
    ((_, reason),) = IntelmqImporter(source="intelmq").run(path).rejected
    return reason


def test_an_unusable_observation_time_is_named_as_such(tmp_path: Path) -> None:
    reason = _rejection(tmp_path, **{"time.observation": "yesterday"})

    assert reason == "time.observation 'yesterday' is not a timestamp"


def test_an_event_with_neither_time_says_both_are_missing(tmp_path: Path) -> None:
    assert _rejection(tmp_path) == "missing time.source and time.observation"
