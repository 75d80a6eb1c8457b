"""Incident references: short, unambiguous when read aloud, never repeated."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

import pytest

from renkei.incidents.dedup import IncidentState
from renkei.incidents.models import incident_refs_for, new_incident_ref
from renkei.incidents.tests.factories import ingest
from renkei.intake.services import _free_refs, _new_refs

CROCKFORD_REF = re.compile(r"I-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{10}")


@pytest.mark.parametrize("count", [1, 3, 4, 5, 1000])
def test_refs_for_ids_have_the_readable_form_and_are_distinct(count: int) -> None:
    refs = incident_refs_for(range(1, count + 1))
    assert len(refs) == count
    assert all(CROCKFORD_REF.fullmatch(ref) for ref in refs)
    assert len(set(refs)) == count


def test_refs_sort_like_their_ids_across_blocks() -> None:
    ids = [1, 2, 4095, 4096, 4097, 70_000, 2**27 - 1]
    refs = incident_refs_for(ids)
    assert refs == sorted(refs)


def test_a_ref_is_not_given_away_by_its_id() -> None:
    # The id fixes the first 27 bits only; the rest is drawn anew each time.
    drawn = {incident_refs_for([42])[0] for _ in range(20)}
    assert len(drawn) > 1
    assert len({ref[:7] for ref in drawn}) == 1  # "I-" and 25 of the id's bits


def test_a_single_ref_has_the_same_form() -> None:
    assert CROCKFORD_REF.fullmatch(new_incident_ref())
    assert new_incident_ref() != new_incident_ref()


@pytest.mark.django_db
def test_a_new_ref_never_repeats_one_an_imported_incident_keeps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An export from another instance keeps its refs; one of them may carry the same id
    # bits as a new incident here. Force the clash with all-zero random bits.
    pk, real = 987_654, secrets.token_bytes
    imported = ingest(url="https://imported.example/").incident
    monkeypatch.setattr(secrets, "token_bytes", bytes)  # bytes(n): n zero bytes
    imported.ref = incident_refs_for([pk])[0]
    imported.save(update_fields=["ref"])
    draws: list[int] = []

    def zeros_first(size: int) -> bytes:
        draws.append(size)
        return bytes(size) if len(draws) == 1 else real(size)

    monkeypatch.setattr(secrets, "token_bytes", zeros_first)

    ref = _free_refs([pk], set(), refs_free=False)[0]

    assert len(draws) >= 2  # the first draw clashed and was drawn again
    assert ref != imported.ref
    assert CROCKFORD_REF.fullmatch(ref) and ref[:7] == imported.ref[:7]  # same id bits


@pytest.mark.django_db
def test_new_incidents_keep_the_refs_their_export_named_and_the_others_get_other_refs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pk, real, now = 4242, secrets.token_bytes, datetime(2025, 4, 1, tzinfo=UTC)
    monkeypatch.setattr(secrets, "token_bytes", bytes)  # all-zero random bits
    named = incident_refs_for([pk])[0]  # another instance's ref with our id bits
    draws: list[int] = []

    def zeros_first(size: int) -> bytes:
        draws.append(size)
        return bytes(size) if len(draws) == 1 else real(size)

    monkeypatch.setattr(secrets, "token_bytes", zeros_first)
    exported = IncidentState("phishing", "a", now, now, explicit_ref=named)
    opened_here = IncidentState("phishing", "b", now, now)

    refs = _new_refs([pk - 1, pk], [exported, opened_here], refs_free=False)

    assert refs[0] == named
    assert refs[1] != named and refs[1][:7] == named[:7]  # same id bits, drawn again
    assert draws == [4, 4]  # one ref made, clashed once: the named one got none
