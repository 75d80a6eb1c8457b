"""Ctrl-C during a commit takes effect after the commit's hooks have run.

CI saw it: SIGINT landed between an import's COMMIT and the hook that notes
what the commit kept, and the import said "0 lines" of a database holding a
batch. Real signals, sent to this process, in the main thread.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest
from django.db import connection, transaction

from renkei.lib.grouped_commits import GroupedCommits
from renkei.lib.interrupts import interrupts_deferred


@pytest.fixture(autouse=True)
def python_s_own_handler() -> Iterator[None]:
    """Python's KeyboardInterrupt, whatever an earlier test installed."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _interrupt_me() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def test_sigint_inside_the_block_is_raised_when_the_block_ends() -> None:
    done = []
    with pytest.raises(KeyboardInterrupt), interrupts_deferred():
        _interrupt_me()
        done.append("after the signal")
    assert done == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_block_without_a_signal_raises_nothing() -> None:
    with interrupts_deferred():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_process_ignoring_sigint_still_ignores_it_after_the_block() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts_deferred():
            _interrupt_me()
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_outside_the_main_thread_the_block_runs_as_is() -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with interrupts_deferred():
                pass
        except BaseException as exc:  # noqa: BLE001 - a ValueError from signal.signal
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_a_grouped_commit_interrupted_runs_all_its_hooks_first() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("optional: grouped commits are SQLite's (on PostgreSQL each batch commits)")
    noted = []
    with pytest.raises(KeyboardInterrupt), GroupedCommits(0.001) as commits:
        commits.batch_starts()
        transaction.on_commit(_interrupt_me)
        transaction.on_commit(lambda: noted.append("the batch is committed"))
        commits.batch_done()
    assert noted == ["the batch is committed"]
