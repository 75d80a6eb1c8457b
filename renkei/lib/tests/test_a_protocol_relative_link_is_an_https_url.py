"""A protocol-relative link (`//host/path`) is an https URL.

`<a href="//evil.example.com/login">` takes the scheme of the page showing it.
It was dropped, as neither an absolute URL nor a mailto:. We read it as https:
mail is read in webmail served over https (and links from an https page to
http ones are upgraded or blocked), so that is the URL a victim's browser asks for.
"""

from __future__ import annotations

from renkei.lib.html_text import html_to_text
from renkei.lib.observables import extract_observables


def test_it_becomes_an_https_url() -> None:
    html = '<a href="//evil.example.com/login">x</a><img src="//198.51.100.9/p.gif">'

    found = extract_observables("", html=html)

    assert found.urls == ["https://evil.example.com/login", "https://198.51.100.9/p.gif"]
    assert found.domains == ["evil.example.com"]


def test_a_relative_path_is_still_no_link() -> None:
    assert html_to_text('<a href="/login">x</a><a href="login.php">y</a>').links == [
        "/login",
        "login.php",
    ]
