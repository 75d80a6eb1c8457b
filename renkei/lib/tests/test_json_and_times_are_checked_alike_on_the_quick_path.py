"""What every report passes through, quickly: NUL in JSON values and the kept years.

Both take a shortcut for the usual value (orjson's text to look for a NUL,
a remembered conversion for a time met before); the answers must be those of
the long way for every value, the shortcut's exceptions included.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from renkei.lib.errors import ValidationError
from renkei.lib.normalize import json_without_nul
from renkei.lib.timestamps import in_range, is_in_range

JST = timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"file": "2025/04.csv", "line": 3}, {"file": "2025/04.csv", "line": 3}),
        ({"k\x00": ["v\x00", {"n": "\x00"}]}, {"k\ufffd": ["v\ufffd", {"n": "\ufffd"}]}),
        # orjson refuses these: the walk still replaces the NUL.
        ({1: "a\x00"}, {1: "a\ufffd"}),
        ({"big": 2**70, "s": "b\x00"}, {"big": 2**70, "s": "b\ufffd"}),
        # Text that spells the escape is not a NUL.
        ({"s": "\\u0000"}, {"s": "\\u0000"}),
    ],
)
def test_json_values_lose_every_nul_and_nothing_else(value: object, expected: object) -> None:
    assert json_without_nul(value) == expected


def test_a_time_seen_before_in_another_zone_is_the_same_utc_time() -> None:
    tokyo = datetime(2025, 4, 1, 9, 0, tzinfo=JST)

    assert in_range(tokyo) == datetime(2025, 4, 1, 0, 0, tzinfo=UTC)
    assert in_range(datetime(2025, 4, 1, 0, 0, tzinfo=UTC)) == in_range(tokyo)
    assert in_range(tokyo).tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [datetime(1969, 12, 31, 23, 59, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC),
     datetime(1, 1, 1, tzinfo=JST)],
)  # fmt: skip
def test_a_time_outside_the_kept_years_is_refused_every_time_it_comes(value: datetime) -> None:
    for _ in range(2):  # the second time from what was remembered
        assert not is_in_range(value)
        with pytest.raises(ValidationError, match=r"received_at .* out of range"):
            in_range(value, "received_at")
