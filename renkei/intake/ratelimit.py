"""A fixed-window rate limit per client address, kept in Django's cache.

With several web processes the cache must be shared (Redis, the database
cache); the default local-memory cache counts per process.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address; behind RENKEI_PROXY_HOPS proxies, from X-Forwarded-For.

    Each proxy appends the address it saw, so the client is that many entries
    from the right; anything further left was written by the client itself.
    """
    hops = settings.RENKEI_PROXY_HOPS
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops > 0 and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return str(request.META.get("REMOTE_ADDR", ""))


def rate_limit_exceeded(scope: str, client: str, *, limit: int, window: int) -> bool:
    """Count one attempt; True once `limit` attempts were made in this window."""
    digest = hashlib.sha256(client.encode()).hexdigest()[:32]
    key = f"renkei:ratelimit:{scope}:{digest}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def submit_rate_limited(request: HttpRequest) -> bool:
    return rate_limit_exceeded(
        "submit", client_address(request),
        limit=settings.RENKEI_SUBMIT_RATE_LIMIT, window=settings.RENKEI_SUBMIT_RATE_WINDOW,
    )  # fmt: skip
