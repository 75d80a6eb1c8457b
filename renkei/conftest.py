from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from renkei.accounts.models import User
from renkei.accounts.tests.personas import make_personas
from renkei.intake.tests.scenario import SCENARIO


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Rate limits and the sign-in throttle (in the cache) start empty and are left
    empty: the API's submissions per user would otherwise count over the suite."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def sigint_handler_restored() -> Iterator[None]:
    """A test that runs an RQ worker in this process leaves the worker's SIGINT
    handler behind; a later test's Ctrl-C would then stop a worker that is gone."""
    handler = signal.getsignal(signal.SIGINT)
    yield
    if handler is not None:
        signal.signal(signal.SIGINT, handler)


@pytest.fixture
def personas(db: None) -> dict[str, User]:
    """admin, analyst, coordinator, participant_a, participant_b, outsider."""
    return make_personas()


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    """The scenario's expected figures (the seed report's own)."""
    return json.loads((SCENARIO / "expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]
