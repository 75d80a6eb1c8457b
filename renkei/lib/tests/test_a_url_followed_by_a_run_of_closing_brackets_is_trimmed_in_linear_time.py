"""A URL followed by a long run of closing brackets is trimmed in linear time.

`trim_url` counted the brackets of the whole URL again for every bracket it
dropped, so a message with `https://x.example/` and a few hundred thousand `)`
(easy to send, and the intake scans up to two million characters of every
message) kept a worker busy for minutes. The tail is now trimmed in one pass.
"""

from __future__ import annotations

import time

import pytest

from renkei.lib.observables import extract_observables, trim_url

TAILS = {"parens": ")" * 200_000, "mixed": ").]" * 70_000}


@pytest.mark.parametrize("tail", TAILS.values(), ids=TAILS.keys())
def test_a_long_bracket_tail_is_trimmed_quickly(tail: str) -> None:
    started = time.process_time()  # CPU time: the machine may be shared

    found = extract_observables(f"see https://x.example.com/login{tail}")

    assert time.process_time() - started < 1.0
    assert found.urls == ["https://x.example.com/login"]


def test_balanced_brackets_inside_the_url_are_still_kept() -> None:
    assert trim_url("https://x.example/wiki/Foo_(bar))).") == "https://x.example/wiki/Foo_(bar)"
    assert trim_url("https://x.example/a[1]]") == "https://x.example/a[1]"
