"""Rate limits of the public form (per client address) and of API submissions
(per user), each a count of attempts in a fixed window."""

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


def api_submit_rate_limited(username: str) -> bool:
    limit = settings.RENKEI_API_SUBMIT_RATE_LIMIT
    if limit <= 0:
        return False
    return rate_limit_exceeded(
        "api-submit", username, limit=limit, window=settings.RENKEI_API_SUBMIT_RATE_WINDOW
    )
