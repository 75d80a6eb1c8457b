"""The public form's rate limit: attempts per client address in a fixed window."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from renkei.lib.ratelimit import attempt_count, client_address


def rate_limit_exceeded(scope: str, client: str, *, limit: int, window: int) -> bool:
    """Count one attempt; True once `limit` attempts were made in this window."""
    return attempt_count(scope, client, window=window) > limit


def submit_rate_limited(request: HttpRequest) -> bool:
    return rate_limit_exceeded(
        "submit", client_address(request),
        limit=settings.RENKEI_SUBMIT_RATE_LIMIT, window=settings.RENKEI_SUBMIT_RATE_WINDOW,
    )  # fmt: skip
