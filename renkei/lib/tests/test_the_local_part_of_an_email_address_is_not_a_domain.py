"""The local part of an e-mail address is not a domain.

`support.jp@example.com` and `taro.info+abuse@example.co.jp` listed the domains
`support.jp` and `taro.info`: a local part that ends in something shaped like
a top-level domain was read as a host name, and an analyst saw domains no
report named.
"""

from __future__ import annotations

from renkei.lib.observables import extract_observables


def test_a_local_part_shaped_like_a_host_is_not_a_domain() -> None:
    found = extract_observables(
        "From: support.jp@example.com, cc taro.info+abuse@example.co.jp and sales.xyz@example.net"
    )

    assert found.emails == [
        "support.jp@example.com",
        "taro.info+abuse@example.co.jp",
        "sales.xyz@example.net",
    ]
    assert found.domains == ["example.com", "example.co.jp", "example.net"]


def test_a_domain_before_other_punctuation_is_still_found() -> None:
    found = extract_observables("evil.example.com: phishing; see shop.example.xyz/login")

    assert found.domains == ["evil.example.com", "shop.example.xyz"]
