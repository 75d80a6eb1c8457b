"""Sign-in throttling: too many wrong passwords lock the sign-in form for a while.

Failures are counted per user name (a guess at one account from many
addresses) and per client address (one address guessing many accounts),
in Django's cache so that every web process counts together. Windows are
fixed to the clock (one every RENKEI_LOGIN_LOCKOUT_SECONDS): a count is
forgotten when its window ends, whatever happens in between.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from renkei.intake.ratelimit import client_address


def _keys(request: HttpRequest | None, username: str) -> list[str]:
    subjects = [f"user:{username.strip().casefold()}"]
    if request is not None:
        subjects.append(f"address:{client_address(request)}")
    window = int(time.time() // settings.RENKEI_LOGIN_LOCKOUT_SECONDS)
    return [
        f"renkei:signin:{window}:{hashlib.sha256(subject.encode()).hexdigest()[:32]}"
        for subject in subjects
    ]


def sign_in_locked(request: HttpRequest | None, username: str) -> bool:
    """True while the user name or the client address has used up its failures."""
    counts = cache.get_many(_keys(request, username)).values()
    return any(count >= settings.RENKEI_LOGIN_MAX_FAILURES for count in counts)


def sign_in_failed(request: HttpRequest | None, username: str) -> None:
    """Count one wrong password against the user name and the client address."""
    lifetime = settings.RENKEI_LOGIN_LOCKOUT_SECONDS
    for key in _keys(request, username):
        cache.add(key, 0, timeout=lifetime)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=lifetime)
        # Some caches (the file cache) give an incremented key their default
        # lifetime; the key names its window, so it only has to outlive it.
        cache.touch(key, timeout=lifetime)
