"""Incident references: short, unambiguous when read aloud, never repeated in a batch."""

from __future__ import annotations

import re

import pytest

from renkei.incidents.models import new_incident_ref, new_incident_refs

CROCKFORD_REF = re.compile(r"I-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{10}")


@pytest.mark.parametrize("count", [1, 3, 4, 5, 1000])
def test_a_batch_of_refs_has_the_asked_size_and_the_readable_form(count: int) -> None:
    refs = new_incident_refs(count)
    assert len(refs) == count
    assert all(CROCKFORD_REF.fullmatch(ref) for ref in refs)
    assert len(set(refs)) == count


def test_a_single_ref_has_the_same_form() -> None:
    assert CROCKFORD_REF.fullmatch(new_incident_ref())
