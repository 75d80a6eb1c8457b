"""Keys stored before IPv4-mapped addresses were keyed as IPv4 are rewritten on upgrade
(migration incidents 0009), so the next report of the same scanner or site joins its
incident instead of opening a second one."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest
from renkei.intake.models import Report
from renkei.lib.rekey import rekeyed

migration = importlib.import_module("renkei.incidents.migrations.0009_ipv4_mapped_keys")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("::ffff:c612:5", "198.18.0.5"),  # an address key as Python 3.11 wrote it
        ("::ffff:198.18.0.5", "198.18.0.5"),  # as Python 3.13 writes it
        ("[::ffff:c612:5]/login", "198.18.0.5/login"),  # a URL key's host
        ("2001:db8::ffff:c612:5", "2001:db8::ffff:c612:5"),  # not a mapped address
        ("example.com/::ffff:c612:5", "example.com/::ffff:c612:5"),  # a path, not a host
    ],
)
def test_only_whole_mapped_addresses_are_rewritten(old: str, new: str) -> None:
    assert rekeyed(old) == new


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "old_key", "later"),
    [
        ("scan", "::ffff:c612:5", {"ip": "198.18.0.5"}),
        ("phishing", "[::ffff:c612:5]/login", {"url": "http://198.18.0.5/login"}),
    ],
)
def test_after_the_upgrade_the_next_report_joins_the_incident(
    category: str, old_key: str, later: dict[str, str]
) -> None:
    first = ingest(category=category, at="2025-04-01T10:00:00+09:00", **later)
    # As an older renkei stored it.
    Incident.objects.filter(pk=first.incident_id).update(key=old_key)
    Report.objects.filter(pk=first.pk).update(incident_key=old_key)

    migration.rekey_ipv4_mapped(apps, None)
    second = ingest(category=category, at="2025-04-02T10:00:00+09:00", **later)

    assert second.incident_id == first.incident_id
    assert Report.objects.get(pk=first.pk).incident_key == Incident.objects.get().key
