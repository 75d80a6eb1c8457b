"""A URL or an address typed with a Japanese input method in full-width mode is read.

`ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ／ｌｏｇｉｎ` and `１９２．０．２．１` were refused
("not a valid host name", "not a valid IP address"): the public form told a
reporter "This is not a URL we can read." Only text no parser read before is
read differently: a URL whose scheme is ASCII keeps its key.
"""

from __future__ import annotations

import pytest

from renkei.lib.normalize import canonical_ip, normalize_url


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ／ｌｏｇｉｎ", "https://example.com/login"),
        ("ｈｔｔｐ：／／ｅｘａｍｐｌｅ．ｊｐ／ａ？ｉｄ＝１", "http://example.jp/a?id=1"),
        ("ｈｘｘｐｓ：／／ｅｖｉｌ［．］ｅｘａｍｐｌｅ／", "https://evil.example/"),
        (
            "ｈｔｔｐｓ://example.com/ログイン",
            "https://example.com/%E3%83%AD%E3%82%B0%E3%82%A4%E3%83%B3",
        ),
    ],
)
def test_a_url_typed_in_full_width_is_its_ascii_url(typed: str, url: str) -> None:
    assert normalize_url(typed).url == url


def test_an_address_typed_in_full_width_is_its_ascii_address() -> None:
    assert canonical_ip("１９２．０．２．１") == "192.0.2.1"
    assert canonical_ip("２００１：ｄｂ８：：１") == "2001:db8::1"


def test_a_url_with_an_ascii_scheme_keeps_the_key_it_had() -> None:
    # Full-width letters in a path are the site's own; keys already stored stay.
    assert (
        normalize_url("https://example.com/ａｂｃ").key == "example.com/%EF%BD%81%EF%BD%82%EF%BD%83"
    )
