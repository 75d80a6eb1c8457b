"""Defanged dots and at signs written with spaces around them are refanged, and `[/]` too.

Web pages and signatures write addresses as `abuse [at] example [dot] com`,
and reports quote hosts as `evil [.] example [.] com` or paths as
`example[.]com[/]login`. The spaces kept the pieces apart, so no address or
domain was found, and `[/]` after a host made the whole URL invalid.
"""

from __future__ import annotations

from renkei.lib.observables import extract_observables, refang_text


def test_spaces_around_a_bracketed_dot_or_at_go_with_it() -> None:
    found = extract_observables(
        "連絡先: abuse [at] isp [dot] example [dot] net / 偽サイト: evil [.] example [.] com"
    )

    assert found.emails == ["abuse@isp.example.net"]
    assert found.domains == ["isp.example.net", "evil.example.com"]


def test_a_defanged_slash_is_refanged() -> None:
    found = extract_observables("hxxps://evil[.]example[.]com[/]login[/]index.php")

    assert found.urls == ["https://evil.example.com/login/index.php"]


def test_brackets_without_a_dot_or_at_keep_their_spaces() -> None:
    assert refang_text("see [1] and (a) here") == "see [1] and (a) here"
