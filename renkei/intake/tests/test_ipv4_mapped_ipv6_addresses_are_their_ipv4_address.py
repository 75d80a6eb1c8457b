"""A dual-stack server logs an IPv4 client as `::ffff:198.18.0.5`: the same machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.incidents.models import Incident
from renkei.intake.tests.helpers import import_objects, report
from renkei.lib.normalize import canonical_ip, normalize_host, normalize_url


def test_a_scan_logged_as_an_ipv4_mapped_address_joins_the_incident_of_its_ipv4_address(
    tmp_path: Path, db: None
) -> None:
    lines = [
        report("s1", "2023-04-01T10:00:00+09:00", category="scan", ip="198.18.0.5",
               ports=["22/tcp"]),
        report("s2", "2023-04-01T11:00:00+09:00", category="scan", ip="::ffff:198.18.0.5",
               ports=["23/tcp"]),
        report("s3", "2023-04-01T12:00:00+09:00", category="scan", ip="::FFFF:C612:5"),
    ]  # fmt: skip

    summary = import_objects(tmp_path, lines)

    assert summary.rejected == []
    incident = Incident.objects.get()
    assert (incident.key, incident.report_count) == ("198.18.0.5", 3)
    assert incident.ports == ["22/tcp", "23/tcp"]


@pytest.mark.parametrize(
    "written", ["::ffff:198.18.0.5", "[::ffff:198.18.0.5]", "0:0:0:0:0:ffff:c612:0005"]
)
def test_every_key_of_an_ipv4_mapped_address_is_the_ipv4_address(written: str) -> None:
    # Python 3.13 writes these `::ffff:198.18.0.5`, 3.11 `::ffff:c612:5`: a key must not
    # depend on which one made it.
    assert canonical_ip(written) == "198.18.0.5"
    assert normalize_host(written) == "198.18.0.5"
    bracketed = written if written.startswith("[") else f"[{written}]"
    site = normalize_url(f"http://{bracketed}:8080/login")
    assert (site.host, site.key) == ("198.18.0.5", "198.18.0.5:8080/login")
    assert site.url == "http://198.18.0.5:8080/login"
    assert normalize_url("http://198.18.0.5:8080/login").key == site.key


def test_other_ipv6_addresses_keep_their_compressed_form() -> None:
    assert canonical_ip("2001:DB8::1") == "2001:db8::1"
    assert canonical_ip("::198.18.0.5") == "::c612:5"  # IPv4-compatible: deprecated, not mapped
    assert normalize_url("http://[2001:db8::1]/").key == "[2001:db8::1]/"
