"""Typed access to environment variables, the only source of configuration.

Secrets may be given as ``NAME_FILE`` pointing at a file (container secrets),
as healthchecks does. Every name read here must be documented in
docs/configuration.md; a test enforces that.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from renkei.lib.errors import RenkeiError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise RenkeiError(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise RenkeiError(f"{name} must be a whole number, not {value!r}") from None


def envclosure(name: str, default: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """A yearly closure as `MM-DD..MM-DD` (both days included; `12-29..01-03` wraps the
    year end), or None for `none`."""
    value = os.environ.get(name, default).strip()
    if value.lower() in ("none", ""):
        return None
    first, sep, last = value.partition("..")
    try:
        if not sep:
            raise ValueError
        (m1, d1), (m2, d2) = (tuple(int(part) for part in day.split("-")) for day in (first, last))
        date(2000, m1, d1), date(2000, m2, d2)  # days of a leap year, so 02-29 is one
    except ValueError:
        raise RenkeiError(
            f"{name} must be MM-DD..MM-DD (such as 12-29..01-03) or none, not {value!r}"
        ) from None
    return ((m1, d1), (m2, d2))


def write_private(path: Path, text: str, *, replace: bool) -> bool:
    """Write a file only its owner can read, from its first byte (not chmod after).

    Without `replace` an existing file is kept and False returned. The text is
    written to a temporary file first and linked into place whole, so of two
    processes creating it at once neither can read it half written (empty).
    """
    if replace:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            os.fchmod(fd, 0o600)  # a replaced file keeps its old mode otherwise
            out.write(text)
        return True
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True


def envfloat(name: str, default: float, *, most: float | None = None, why: str = "") -> float:
    """A number from the environment; above `most` it is refused, saying `why`."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise RenkeiError(f"{name} must be a number, not {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):  # nan, inf
        raise RenkeiError(f"{name} must be a finite number, not {value!r}")
    if most is not None and number > most:
        raise RenkeiError(f"{name} must be at most {most:g}, not {value!r}: {why}")
    return number


def envsecret(name: str, default: str = "") -> str:
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


# Django's SQLite backend, with writers that say when they wait (lib/sqlite_engine).
SQLITE_ENGINE = "renkei.lib.sqlite_engine"


@dataclass(frozen=True)
class DatabaseConfig:
    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.engine == SQLITE_ENGINE


def parse_database_url(url: str) -> DatabaseConfig:
    """Parse ``sqlite:///abs/path``, ``sqlite:///relative`` or ``postgresql://...``."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        # sqlite:////abs and sqlite:///rel: drop the one slash that separates
        # the empty host from the path.
        name = path[1:] if path.startswith("/") else path
        if not name:
            raise RenkeiError(f"database URL {url!r} names no SQLite file")
        return DatabaseConfig(engine=SQLITE_ENGINE, name=name)
    if parts.scheme in {"postgres", "postgresql"}:
        return DatabaseConfig(
            engine="django.db.backends.postgresql",
            name=unquote(parts.path.lstrip("/")) or "renkei",
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            host=parts.hostname or "",
            port=str(parts.port or ""),
        )
    raise RenkeiError(
        f"unsupported database URL scheme {parts.scheme!r}: use sqlite:/// or postgresql://"
    )


def parse_cache_url(url: str, home: Path) -> dict[str, Any]:
    """Django's default cache from ``file://`` (a directory), ``redis://`` or ``locmem://``.

    ``file://`` with no path keeps the cache in ``home``/cache. The web
    processes of one host share a file cache; hosts share a Redis one.
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        location = unquote(parts.path) or str(home / "cache")
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": location}  # fmt: skip
    if parts.scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise RenkeiError(
        f"unsupported cache URL scheme {parts.scheme!r}: use file://, redis://, locmem://"
    )
