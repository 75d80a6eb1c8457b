"""A Markdown link whose text is a URL is not read as one combined URL.

Mail written in Markdown (and plain-text parts generated from it) carries
links as `[https://a.example/x](https://a.example/x)`. The URL pattern read on
across `](`, and trimming kept the balanced `)`, so the analyst saw one URL
`https://a.example/x](https://a.example/x)` that exists nowhere.
"""

from __future__ import annotations

import time

from renkei.lib.observables import extract_observables


def test_a_link_to_itself_is_one_url() -> None:
    found = extract_observables("[https://a.example.com/y](https://a.example.com/y)")

    assert found.urls == ["https://a.example.com/y"]


def test_link_text_and_target_are_two_urls() -> None:
    found = extract_observables(
        "[https://bank.example.jp/login](https://evil.example.com/p?a=1) と "
        "[詳細](https://b.example.com/x)"
    )

    assert found.urls == [
        "https://bank.example.jp/login",
        "https://evil.example.com/p?a=1",
        "https://b.example.com/x",
    ]


def test_a_link_on_a_japanese_host_is_split_too() -> None:
    found = extract_observables("[https://楽天.example.jp/a](https://楽天.example.jp/a)")

    assert found.urls == ["https://楽天.example.jp/a"]


def test_a_bracket_inside_a_url_is_kept() -> None:
    found = extract_observables("https://a.example.com/q?ids[]=1&x=[2]")

    assert found.urls == ["https://a.example.com/q?ids[]=1&x=[2]"]


def test_a_megabyte_of_closing_brackets_in_a_url_stays_fast() -> None:
    started = time.process_time()  # CPU time: the machine may be shared

    extract_observables("https://a.example.com/" + "]" * 500_000 + "](" * 250_000)

    assert time.process_time() - started < 1.0
