from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache

from renkei.intake.importer import ExchangeImporter
from renkei.intake.tests.mails import PHISHING_POT

SEED_BRANDS = Path(__file__).resolve().parents[1] / "fixtures" / "brands-seed.jsonl"


@pytest.fixture
def fresh_rate_limits() -> Iterator[None]:
    """The public form's rate limits (in the cache) start empty and are left empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def brand_catalog(db: None) -> None:
    """The seed catalog of commonly imitated brands, Japanese and English names."""
    ExchangeImporter(source="seed").run(SEED_BRANDS)


@pytest.fixture
def phishing_pot_dir() -> Path:
    """The 1,000 real phishing e-mails; licence: read here, never copied into the repo."""
    if not PHISHING_POT.is_dir():  # a skip fails the suite when CI=true (conftest.py)
        pytest.skip(f"the phishing-pot sample is not at {PHISHING_POT}")
    return PHISHING_POT
