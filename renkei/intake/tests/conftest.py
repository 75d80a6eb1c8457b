from __future__ import annotations

from pathlib import Path

import pytest

from renkei.intake.importer import ExchangeImporter
from renkei.intake.tests.mails import PHISHING_POT

SEED_BRANDS = Path(__file__).resolve().parents[1] / "fixtures" / "brands-seed.jsonl"


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
