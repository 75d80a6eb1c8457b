from __future__ import annotations

import pytest

from renkei.accounts.models import User
from renkei.accounts.tests.personas import make_personas


@pytest.fixture
def personas(db: None) -> dict[str, User]:
    """admin, analyst, coordinator, participant_a, participant_b, outsider."""
    return make_personas()
