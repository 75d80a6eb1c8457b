"""The one error hierarchy of renkei.

Callers branch on a subclass only where they must; everything else is a
`RenkeiError` whose message is written for the person who will read it
(an analyst, or an operator running a command).
"""

from __future__ import annotations

from typing import Any


class RenkeiError(Exception):
    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

    def __str__(self) -> str:
        return self.message


class ValidationError(RenkeiError):
    """Input that cannot be accepted as it is (a bad line, a bad field)."""


class NormalizationError(ValidationError):
    """A URL, host or address that cannot be normalized."""


class PermissionDenied(RenkeiError):
    """The actor may not do this."""


class NotFound(RenkeiError):
    """The object does not exist, or the actor may not know that it does."""
