"""Attempts counted per fixed window of the clock, in Django's cache.

Shared by the public form's rate limit and the sign-in throttle. A count's key
names its window (one every `window` seconds), so it is forgotten when the
window ends whatever the cache does in between: Django's file cache gives an
incremented key its default lifetime (300 s), which had turned "10 an hour"
into "10, then wait five minutes". With several web processes the cache must
be shared (the default file cache, Redis, the database cache).
"""

from __future__ import annotations

import hashlib
import time

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


def _key(scope: str, subject: str, window: int) -> str:
    number = int(time.time() // window)
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"renkei:ratelimit:{scope}:{window}:{number}:{digest}"


def seconds_left_in_window(window: int) -> int:
    """Until the current window ends and its counts start again from zero."""
    return max(1, int(window - time.time() % window))


def attempts_counted(scope: str, subject: str, *, window: int) -> int:
    """How many attempts `subject` made in this window."""
    return int(cache.get(_key(scope, subject, window), 0))


def attempt_count(scope: str, subject: str, *, window: int) -> int:
    """Count one attempt of `subject` in this window; the count so far, this one included."""
    key = _key(scope, subject, window)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1
    cache.touch(key, timeout=window)  # the file cache's incr shortened it to 300 s
    return int(count)
