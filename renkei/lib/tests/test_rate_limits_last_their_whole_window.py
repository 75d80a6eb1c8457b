"""A rate limit of N an hour holds for the hour with the default (file) cache, whose
increment gave a counted key Django's default lifetime of 300 seconds."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from renkei.intake.ratelimit import rate_limit_exceeded


@pytest.fixture
def file_cache(settings: Any, tmp_path: Path) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }  # Django's test signals drop the cache connections made with the old setting


def test_an_hours_limit_still_holds_after_five_minutes(
    file_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [3600.0 * 480_000 + 10]  # ten seconds into an hour of the clock
    monkeypatch.setattr(time, "time", lambda: now[0])

    first = [rate_limit_exceeded("t", "192.0.2.1", limit=2, window=3600) for _ in range(3)]
    now[0] += 400  # longer than the file cache's default lifetime, within the hour
    later = rate_limit_exceeded("t", "192.0.2.1", limit=2, window=3600)
    now[0] += 3600  # the next hour
    next_hour = rate_limit_exceeded("t", "192.0.2.1", limit=2, window=3600)

    assert (first, later, next_hour) == ([False, False, True], True, False)
