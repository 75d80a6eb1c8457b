"""A small hostile archive must not hold up the mail behind it: guessing announced
passwords is bounded (tries, time, costly key derivations), and what was not tried
is said in the listing."""

from __future__ import annotations

import time

import pytest

from renkei.lib import archives
from renkei.lib.archives import Limits, inspect_attachment
from renkei.lib.tests.test_archives import PE, make_7z, make_zip

WRONG = [f"wrong-{n}" for n in range(20)]


def test_after_three_members_no_candidate_opened_the_others_are_not_guessed():
    zipped = make_zip({f"{n:03}.exe": PE for n in range(40)}, password="unknown")

    started = time.monotonic()
    report = inspect_attachment("many.zip", zipped, passwords=WRONG)

    assert len(report.members) == 40
    assert not any(member.complete for member in report.members)
    assert any("opened 3 encrypted members" in problem for problem in report.problems)
    assert report.stopped is None
    print(f"40 members, 21 candidates: {time.monotonic() - started:.2f} s")


def test_a_password_that_opened_one_member_opens_the_others():
    zipped = make_zip({f"{n}.txt": b"text" for n in range(5)}, password="right")

    report = inspect_attachment("a.zip", zipped, passwords=[*WRONG, "right"])

    assert [member.password_used for member in report.members] == ["right"] * 5


def test_the_walk_stops_after_its_password_tries():
    zipped = make_zip({"a.exe": PE, "b.exe": PE}, password="unknown")

    report = inspect_attachment(
        "a.zip", zipped, passwords=WRONG, limits=Limits(max_password_tries=5)
    )

    assert report.stopped == "more than 5 password guesses; stopped at a.zip/a.exe"
    assert [(member.path, member.complete) for member in report.members] == [
        ("a.zip/a.exe", False),
        ("a.zip/b.exe", False),
    ]


def test_a_walk_out_of_time_stops_and_keeps_the_attachment_described():
    zipped = make_zip({"a.exe": PE, "b.exe": PE})

    report = inspect_attachment("a.zip", zipped, deadline=time.monotonic() - 1)

    assert report.stopped == "inspection ran out of time; stopped at a.zip/a.exe"
    assert report.root.sha256 and report.root.filetype.mime == "application/zip"


def test_a_7z_whose_guesses_are_slow_is_not_guessed_further(monkeypatch: pytest.MonkeyPatch):
    # Every guess counts as slow here; a real one takes seconds at 2**24 rounds.
    monkeypatch.setattr(archives, "SLOW_GUESS_SECONDS", 0.0)
    sevenzip = make_7z({"run.bat": b"@echo off"}, password="right")

    report = inspect_attachment("a.7z", sevenzip, passwords=["wrong", "right"])

    [member] = report.members
    assert member.password_used is None and not member.complete
    assert any("one password guess took" in problem for problem in report.problems)
