"""An IPv4-mapped IPv6 address in a report is its IPv4 address, flagged as such.

Dual-stack servers log IPv4 clients as `::ffff:8.8.8.8` (some tools write
`::ffff:808:808`). Observables listed it as an IPv6 address flagged
`reserved`, beside the IPv4 address when it was written dotted, and alone when
it was not, so a scan from a global address was never proposed; incident keys
already treat it as the IPv4 address (renkei.lib.normalize).
"""

from __future__ import annotations

from renkei.lib.observables import extract_observables


def test_a_mapped_address_is_listed_once_as_ipv4() -> None:
    found = extract_observables(
        "sshd: Failed password for root from ::ffff:8.8.8.8 port 22\n"
        "sshd: Failed password for root from ::FFFF:808:404 port 22\n"
    )

    assert found.ipv4 == ["8.8.8.8", "8.8.4.4"]
    assert found.ipv6 == []
    assert found.ip_flags == {"8.8.8.8": "global", "8.8.4.4": "global"}


def test_other_ipv6_addresses_stay_ipv6() -> None:
    found = extract_observables("from 2001:db8::1 and 2001:db8::ffff:808:808")

    assert found.ipv6 == ["2001:db8::1", "2001:db8::ffff:808:808"]
