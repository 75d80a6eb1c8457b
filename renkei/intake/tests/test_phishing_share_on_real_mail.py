"""The classifier on real phishing mail (the phishing-pot sample; read, never copied).

The full measurement over all 1,000 messages is bench/bench_intake_mail.py;
this test keeps a floor on a fixed fifth of them so a change that breaks the
rules shows up in the suite.
"""

from __future__ import annotations

import json
from pathlib import Path

from renkei.intake.brandmatch import BrandMatcher
from renkei.intake.parsers.mail import parse_mail
from renkei.intake.suggest import suggest
from renkei.intake.tests.conftest import SEED_BRANDS
from renkei.intake.tests.mails import phishing_pot
from renkei.lib.mime import parse_message


def _seed_catalog() -> BrandMatcher:
    entries = []
    for number, line in enumerate(SEED_BRANDS.read_text(encoding="utf-8").splitlines(), start=1):
        brand = json.loads(line)
        entries += [(number, brand["name"], name) for name in [brand["name"], *brand["aliases"]]]
    return BrandMatcher(entries)


def test_most_of_a_fifth_of_the_real_phishing_mails_are_classified_phishing(
    phishing_pot_dir: Path,
) -> None:
    catalog = _seed_catalog()
    files = phishing_pot(200)

    categories = [suggest(parse_mail(parse_message(f.read_bytes())).clues, catalog).category
                  for f in files]  # fmt: skip

    share = categories.count("phishing") / len(files)
    assert share >= 0.5, f"phishing share {share:.0%}"
