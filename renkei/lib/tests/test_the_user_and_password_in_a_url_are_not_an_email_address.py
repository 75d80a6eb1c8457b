"""The user and password in a URL are not an e-mail address.

`http://user:pass@host.example/` listed the e-mail address `pass@host.example`,
and the phishing trick `http://bank.example.jp@evil.example.com/` listed
`bank.example.jp@evil.example.com`: the part before the host's "@" is a user
name (and password), not a mailbox. An address later in the URL (a query's
`?email=...`) still is one.
"""

from __future__ import annotations

import time

from renkei.lib.observables import extract_observables


def test_the_user_info_of_a_url_is_no_address() -> None:
    found = extract_observables(
        "http://user:pass@host.example.com/ and hxxp://bank.example.jp@evil.example.com/login "
        "and ftp://anonymous@ftp.example.net"
    )

    assert found.emails == []
    assert found.urls == [
        "http://user:pass@host.example.com/",
        "http://bank.example.jp@evil.example.com/login",
        "ftp://anonymous@ftp.example.net",
    ]
    assert "evil.example.com" in found.domains


def test_an_address_in_the_path_or_query_of_a_url_still_counts() -> None:
    found = extract_observables(
        "https://evil.example.com/unsub?email=taro@corp.example.jp and "
        "https://x.example.com/u/hanako@corp.example.jp, mail abuse@isp.example.net"
    )

    assert found.emails == [
        "taro@corp.example.jp",
        "hanako@corp.example.jp",
        "abuse@isp.example.net",
    ]


def test_a_long_url_full_of_addresses_stays_fast() -> None:
    started = time.process_time()  # CPU time: the machine may be shared

    extract_observables("http://" + "a@b.example.com:" * 20_000 + "/x" + "&c@d.example.jp" * 20_000)

    assert time.process_time() - started < 1.0


def test_many_urls_with_a_user_and_no_path_stay_fast() -> None:
    started = time.process_time()

    extract_observables("http://a@b.example.jpへ" * 20_000)

    assert time.process_time() - started < 1.0
