"""Times from outside (a file, a feed, a header, an API call) that renkei can keep.

RFC 3339 allows years 0000 to 9999, Python's datetime 1 to 9999 in local
time: year 1 at +09:00 has no UTC time, year 9999 at -12:00 none either
(OverflowError), and the database and the business-day arithmetic need one.
Reports, notifications and decisions are kept only between 1970 and 2099:
nothing a CSIRT handles happened earlier, and a later year is a typo or a
forgery that would break the deadlines counted from it.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from renkei.lib.errors import ValidationError

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
END = datetime(2100, 1, 1, tzinfo=UTC)  # the first time not kept


def as_utc(value: datetime, name: str = "time") -> datetime:
    """An aware `value` in UTC; ValidationError when it has no UTC time."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(f"{name} {value.isoformat()}: time out of range") from None


def is_in_range(value: datetime) -> bool:
    """Whether an aware `value` falls in the years kept (see `in_range`)."""
    return _utc_if_kept(value) is not None


# A feed's rows share their times (a minute's, a day's), and a report's time is
# checked where it is read and again by the experts: remembered, not converted again.
@functools.lru_cache(maxsize=8_192)
def _utc_if_kept(value: datetime) -> datetime | None:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        return None
    return utc if EARLIEST <= utc < END else None


def in_range(value: datetime, name: str = "time") -> datetime:
    """An aware `value` in UTC; ValidationError unless it falls in the years kept."""
    utc = _utc_if_kept(value)
    if utc is None:
        raise ValidationError(
            f"{name} {value.isoformat()}: time out of range "
            f"(kept: {EARLIEST.year} to {END.year - 1})"
        )
    return utc
