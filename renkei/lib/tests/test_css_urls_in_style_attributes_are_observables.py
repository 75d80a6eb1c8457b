"""CSS `url(...)` in a style attribute is an observable.

Phishing HTML draws its button or logo as a background image
(`style="background:url('https://evil.example/b.png')"`), and tracking pixels
hide there too. Only link attributes were read, so the host was missing.
"""

from __future__ import annotations

import time

from renkei.lib.html_text import html_to_text


def test_urls_in_a_style_attribute_are_links() -> None:
    html = (
        "<div style=\"background-image: url('https://a.example.com/b.png')\">x</div>"
        '<td style="background:URL( &quot;https://b.example.com/c.png&quot; ) no-repeat;'
        'border-image:url(https://c.example.com/d.png)">y</td>'
    )

    assert html_to_text(html).links == [
        "https://a.example.com/b.png",
        "https://b.example.com/c.png",
        "https://c.example.com/d.png",
    ]


def test_an_inline_image_in_a_style_is_not_a_link() -> None:
    html = '<div style="background:url(data:image/png;base64,AAAA)">x</div>'

    assert html_to_text(html).links == []


def test_a_hostile_style_stays_fast() -> None:
    started = time.process_time()  # CPU time: the machine may be shared

    html_to_text('<div style="' + "url(" * 300_000 + '">x</div>')

    assert time.process_time() - started < 1.0
