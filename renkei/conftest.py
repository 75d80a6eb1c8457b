from __future__ import annotations

import json
from typing import Any

import pytest

from renkei.accounts.models import User
from renkei.accounts.tests.personas import make_personas
from renkei.intake.tests.scenario import SCENARIO


@pytest.fixture
def personas(db: None) -> dict[str, User]:
    """admin, analyst, coordinator, participant_a, participant_b, outsider."""
    return make_personas()


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    """The scenario's expected figures (the seed report's own)."""
    return json.loads((SCENARIO / "expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]
