"""An IPv6 zone ID (`%eth0`) names an interface of the reporter's machine, not the address.

So `fe80::1%eth0`, `fe80::1%25eth0` (the URL escape of `%`) and `fe80::1` are
one scan source, one incident; and a long zone no longer overflows `Report.ip`.
"""

from __future__ import annotations

import pytest
from django.test import Client

from renkei.accounts.models import User
from renkei.incidents.models import Incident
from renkei.intake.models import Report
from renkei.intake.tests.receiving import api_post
from renkei.lib.normalize import canonical_ip


@pytest.mark.parametrize(
    "written", ["fe80::1%eth0", "fe80::1%25eth0", "[fe80::1%eth0]", "FE80:0::1%" + "x" * 90]
)
def test_the_canonical_form_drops_the_zone(written: str) -> None:
    assert canonical_ip(written) == "fe80::1"


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_rate_limits")
def test_scans_from_one_address_with_different_zones_open_one_incident(client: Client) -> None:
    for n, ip in enumerate(("fe80::1%eth0", "fe80::1%25eth0")):
        client.post(
            "/submit/", {"category": "scan", "ip": ip, "description": "scan"},
            REMOTE_ADDR=f"192.0.2.{n + 10}",
        )  # fmt: skip

    assert list(Report.objects.values_list("ip", flat=True)) == ["fe80::1", "fe80::1"]
    assert Incident.objects.get().key == "fe80::1"


@pytest.mark.django_db
def test_a_long_zone_is_no_obstacle_to_storing_the_report(
    client: Client, personas: dict[str, User]
) -> None:
    body = {"ref": "a3b", "category": "scan", "ip": "fe80::1%" + "x" * 90, "ports": ["22/tcp"]}

    response = api_post(client, personas["analyst"], "/reports", body)

    assert response.status_code == 201, response.content
    assert Report.objects.get().ip == "fe80::1"
