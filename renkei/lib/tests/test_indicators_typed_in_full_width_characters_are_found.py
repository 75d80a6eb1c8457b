"""Indicators typed in full-width characters are found, in their ASCII form.

Japanese input methods type Latin letters, digits and `.`, `@`, `:`, `/` in
full width (ｈｔｔｐｓ：／／, ．, ＠, １９２．０．２．１), and reporters write
indicators that way or mix them in (`example．com`). None of these was found.
Full-width ASCII is now read as ASCII, as NFKC (and every browser) reads it;
what follows a URL in full-width brackets is still not part of it.
"""

from __future__ import annotations

from renkei.lib.observables import extract_observables

MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def test_a_url_typed_in_full_width_is_found() -> None:
    found = extract_observables(
        "偽サイト：ｈｔｔｐｓ：／／ｅｖｉｌ．ｅｘａｍｐｌｅ．ｃｏｍ／ｌｏｇｉｎ です"
    )

    assert found.urls == ["https://evil.example.com/login"]
    assert found.domains == ["evil.example.com"]


def test_a_full_width_dot_in_a_host_does_not_hide_it() -> None:
    found = extract_observables("https://evil．example．com/a と phish．example．net")

    assert found.urls == ["https://evil.example.com/a"]
    assert found.domains == ["evil.example.com", "phish.example.net"]


def test_full_width_addresses_and_hashes_are_found() -> None:
    full_width_md5 = MD5.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})

    found = extract_observables(
        f"送信元：２０３．０．１１３．５、連絡先：ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ、{full_width_md5}"
    )

    assert found.ipv4 == ["203.0.113.5"]
    assert found.ip_flags == {"203.0.113.5": "documentation"}
    assert found.emails == ["info@example.co.jp"]
    assert found.md5 == [MD5]


def test_full_width_brackets_after_a_url_are_not_part_of_it() -> None:
    found = extract_observables(
        "（https://a.example.com/x）と https://b.example.com/y（ログイン画面）を確認"
    )

    assert found.urls == ["https://a.example.com/x", "https://b.example.com/y"]
