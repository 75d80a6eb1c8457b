"""Sign-in throttling: too many wrong passwords lock the sign-in form for a while.

Failures are counted per user name (a guess at one account from many
addresses) and per client address (one address guessing many accounts),
in Django's cache so that every web process counts together, in windows
fixed to the clock (one every RENKEI_LOGIN_LOCKOUT_SECONDS).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from renkei.lib.ratelimit import attempt_count, attempts_counted, client_address


def _subjects(request: HttpRequest | None, username: str) -> list[str]:
    subjects = [f"user:{username.strip().casefold()}"]
    if request is not None:
        subjects.append(f"address:{client_address(request)}")
    return subjects


def sign_in_locked(request: HttpRequest | None, username: str) -> bool:
    """True while the user name or the client address has used up its failures."""
    window = settings.RENKEI_LOGIN_LOCKOUT_SECONDS
    return any(
        attempts_counted("signin", subject, window=window) >= settings.RENKEI_LOGIN_MAX_FAILURES
        for subject in _subjects(request, username)
    )


def sign_in_failed(request: HttpRequest | None, username: str) -> None:
    """Count one wrong password against the user name and the client address."""
    for subject in _subjects(request, username):
        attempt_count("signin", subject, window=settings.RENKEI_LOGIN_LOCKOUT_SECONDS)
