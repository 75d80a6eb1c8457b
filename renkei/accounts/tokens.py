"""API tokens: what the HTTP API calls to find out who is calling.

The API reads `Authorization: Bearer <secret>` and calls
`authenticate_token(secret)`; None means "refuse with 401".
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from renkei.accounts.models import ApiToken, User

TOKEN_PREFIX = "rk_"  # noqa: S105 - a marker, not a secret
# Recording every use would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def authenticate_token(raw: str) -> User | None:
    """The active user the secret belongs to, or None (unknown, revoked, inactive)."""
    raw = (raw or "").strip()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_secret(raw), revoked__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user
