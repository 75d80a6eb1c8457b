"""An IntelMQ site event whose only address is an IPv6 `source.ip` is imported.

Its URL is made from the address, which a URL must bracket (RFC 3986 §3.2.2).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.intake.feeds.intelmq import IntelmqImporter
from renkei.intake.models import Report
from renkei.intake.tests.helpers import write_lines

pytestmark = pytest.mark.django_db


def test_a_phishing_site_known_only_by_its_ipv6_address_is_imported(tmp_path: Path) -> None:
    event = {"classification.type": "phishing", "source.ip": "2001:DB8::1",
             "time.source": "2025-01-01T00:00:00Z"}  # fmt: skip

    summary = IntelmqImporter(source="intelmq").run(write_lines(tmp_path / "e.jsonl", [event]))

    assert not summary.rejected
    stored = Report.objects.get()
    assert (stored.url, stored.host, stored.incident_key) == (
        "http://[2001:db8::1]/",
        "2001:db8::1",
        "[2001:db8::1]/",
    )
