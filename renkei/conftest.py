from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from renkei.accounts.models import User
from renkei.accounts.tests.personas import make_personas
from renkei.intake.tests.scenario import SCENARIO


@pytest.fixture
def fresh_rate_limits() -> Iterator[None]:
    """The public form's rate limits (in the cache) start empty and are left empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def personas(db: None) -> dict[str, User]:
    """admin, analyst, coordinator, participant_a, participant_b, outsider."""
    return make_personas()


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    """The scenario's expected figures (the seed report's own)."""
    return json.loads((SCENARIO / "expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]
