"""A defanged URL without a scheme keeps its path.

Analysts quote indicators as `evil[.]example[.]com/login.php`, leaving out the
scheme. Only the domain was found, so the page (the one thing to take down or
block) was lost. A host followed by "/" now makes a URL, read as http (the
scheme a browser assumes for a typed host), when the host was defanged or is
plainly a host name. Prose and file paths ("and/or", "/usr/lib/x.so",
"docs/readme.md", "10.0.0.0/8") stay what they are.
"""

from __future__ import annotations

import time

import pytest

from renkei.lib.observables import extract_observables


def test_a_defanged_host_and_its_path_are_a_url() -> None:
    found = extract_observables(
        "偽サイト: evil[.]example[.]com/login.php、"
        "bad(.)example(.)zip/a?b=1 and 198[.]51[.]100[.]7:8080/gate.php "
        "and host.example.net[/]x"
    )

    assert found.urls == [
        "http://evil.example.com/login.php",
        "http://bad.example.zip/a?b=1",
        "http://198.51.100.7:8080/gate.php",
        "http://host.example.net/x",
    ]
    assert found.domains == ["evil.example.com", "bad.example.zip", "host.example.net"]


def test_a_plain_host_name_and_its_path_are_a_url() -> None:
    found = extract_observables("see shop.example.xyz/login. Also www.example.co.jp/a/b)")

    assert found.urls == ["http://shop.example.xyz/login", "http://www.example.co.jp/a/b"]


@pytest.mark.parametrize(
    "text",
    [
        "and/or, TCP/IP, 1/2",
        "/usr/lib/x.so and lib/x.so/y and docs/readme.md",
        "README.md/CHANGES.md, setup.py/x, node.js/npm, report.pdf/x",
        "10.0.0.0/8 and 192.168.1.1/24 and 1[.]2[.]3[.]0/24",
        "taro@example.com/x",
        "update.zip/x and invoice.mov/y",
        "intranet.local/wiki",
    ],
)
def test_prose_and_paths_are_no_url(text: str) -> None:
    assert extract_observables(text).urls == []


def test_a_url_inside_a_url_is_not_read_again() -> None:
    found = extract_observables("https://r.example.com/go?u=evil.example.net/x")

    assert found.urls == ["https://r.example.com/go?u=evil.example.net/x"]


def test_a_hostile_run_of_labels_and_slashes_stays_fast() -> None:
    started = time.process_time()  # CPU time: the machine may be shared

    extract_observables("a." * 250_000 + "/" + "a[.]" * 100_000 + "a.b/" * 100_000)

    assert time.process_time() - started < 1.5
