"""Sign-in throttling: too many wrong passwords lock the sign-in form for a while.

Failures are counted per client address (one address guessing, at one
account or many) and per user name (a guess at one account from many
addresses), in Django's cache so that every web process counts together, in
windows fixed to the clock (one every RENKEI_LOGIN_LOCKOUT_SECONDS).

The user name's limit is much higher than the address's: with the same
limit, anyone could lock a coordinator out of their own account for the
window with a few wrong passwords from anywhere. Locking an account now
takes guesses from many addresses (NIST SP 800-63B allows up to 100).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from renkei.lib.ratelimit import attempt_count, attempts_counted, client_address


def _subjects(request: HttpRequest | None, username: str) -> dict[str, int]:
    """Each counted subject with the failures it is allowed."""
    subjects = {f"user:{username.strip().casefold()}": settings.RENKEI_LOGIN_MAX_ACCOUNT_FAILURES}
    if request is not None:
        subjects[f"address:{client_address(request)}"] = settings.RENKEI_LOGIN_MAX_FAILURES
    return subjects


def sign_in_locked(request: HttpRequest | None, username: str) -> bool:
    """True while the client address or the user name has used up its failures."""
    window = settings.RENKEI_LOGIN_LOCKOUT_SECONDS
    return any(
        attempts_counted("signin", subject, window=window) >= allowed
        for subject, allowed in _subjects(request, username).items()
    )


def sign_in_failed(request: HttpRequest | None, username: str) -> None:
    """Count one wrong password against the client address and the user name."""
    for subject in _subjects(request, username):
        attempt_count("signin", subject, window=settings.RENKEI_LOGIN_LOCKOUT_SECONDS)
