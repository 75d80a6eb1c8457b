"""Links in `data-href`, `data-src`, `srcset` and `<object data>` are observables.

Phishing HTML moves its targets out of `href`/`src`, which filters read: a
script follows `data-href`, lazy loading fetches `data-src`, images load from
`srcset`, and `<object data=...>` embeds a page. Only href-like attributes were
read, so those hosts were missing from the report. (`<form action>` and
`<meta http-equiv=refresh>` were already read; they are pinned here too.)
"""

from __future__ import annotations

from renkei.lib.html_text import html_to_text
from renkei.lib.observables import extract_observables

HTML = (
    '<a data-href="https://a.example.com/login">here</a>'
    '<img data-src="https://b.example.com/lazy.png">'
    '<img srcset="https://c.example.com/1.png 1x, https://d.example.com/w_1,h_2.png 2x,'
    'https://e.example.com/3.png">'
    '<object data="https://f.example.com/o.html"></object>'
    '<form action="https://g.example.com/post"></form>'
    '<meta http-equiv="refresh" content="0; URL=\'https://h.example.com/r\'">'
)


def test_the_targets_are_links() -> None:
    assert html_to_text(HTML).links == [
        "https://a.example.com/login",
        "https://b.example.com/lazy.png",
        "https://c.example.com/1.png",
        "https://d.example.com/w_1,h_2.png",
        "https://e.example.com/3.png",
        "https://f.example.com/o.html",
        "https://g.example.com/post",
        "https://h.example.com/r",
    ]


def test_their_hosts_are_domains() -> None:
    found = extract_observables("", html=HTML)

    assert found.domains == [f"{c}.example.com" for c in "abcdefgh"]


def test_a_data_attribute_of_another_tag_is_not_a_link() -> None:
    assert html_to_text('<div data="https://x.example.com/">t</div>').links == []
