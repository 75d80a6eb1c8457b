from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from renkei.lib import readahead
from renkei.lib.readahead import read_ahead, reading_may_run, yield_to_storing


def test_items_arrive_in_order_from_another_thread() -> None:
    threads: set[str] = set()

    def numbers() -> Iterator[int]:
        for number in range(100):
            threads.add(threading.current_thread().name)
            yield number

    with read_ahead(numbers()) as items:
        assert list(items) == list(range(100))
    assert threads == {"renkei-read-ahead"}


def test_an_error_is_raised_after_the_items_before_it() -> None:
    def broken() -> Iterator[int]:
        yield 1
        yield 2
        raise KeyboardInterrupt  # what Ctrl-C in a parser hook would be

    got: list[int] = []
    with pytest.raises(KeyboardInterrupt), read_ahead(broken()) as items:
        for item in items:
            got.append(item)

    assert got == [1, 2]


def test_a_caller_that_stops_early_stops_the_thread_and_closes_the_source() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            number = 0
            while True:
                yield number
                number += 1
        finally:
            closed.set()

    before = threading.active_count()
    with read_ahead(endless(), depth=2) as items:
        for item in items:
            if item == 5:
                break

    assert closed.is_set()
    assert threading.active_count() == before


def test_the_thread_stops_within_the_item_it_is_making_when_the_caller_leaves() -> None:
    # A parser checks in every 50 lines (yield_to_storing); after Ctrl-C in the storing
    # thread it must not finish its batch: the caller waits, the database still locked.
    lines_after_stop: list[int] = []
    stopped = threading.Event()

    def batches() -> Iterator[int]:
        for batch in range(10):
            for line in range(2_000):
                if line % 50 == 0:
                    yield_to_storing()
                if stopped.is_set():
                    lines_after_stop.append(line)
            yield batch

    with pytest.raises(KeyboardInterrupt), read_ahead(batches(), depth=1) as items:
        for _ in items:
            stopped.set()
            raise KeyboardInterrupt

    assert len(lines_after_stop) <= 50


def _gate_seen_by_the_reader_while(opener: Callable[[Callable[[], None]], None]) -> bool:
    """Whether the reading thread finds its gate open while `opener` runs a check."""
    asked, answered = threading.Event(), threading.Event()
    seen: list[bool] = []

    def source() -> Iterator[int]:
        asked.wait(5)
        seen.append(readahead._reading.gate.is_set())
        answered.set()
        yield 1

    def check() -> None:
        asked.set()
        answered.wait(5)

    with read_ahead(source()) as items:
        opener(check)
        assert list(items) == [1]
    return seen == [True]


def test_the_storing_threads_long_calls_open_the_gate_and_no_other_threads() -> None:
    # A web request's database call in another thread of the process must not
    # wake an import's reader while the import's own thread runs Python.
    def in_this_thread(check: Callable[[], None]) -> None:
        with reading_may_run():
            check()

    def in_another_thread(check: Callable[[], None]) -> None:
        other = threading.Thread(target=in_this_thread, args=(check,))
        other.start()
        other.join()

    assert _gate_seen_by_the_reader_while(in_this_thread)
    assert not _gate_seen_by_the_reader_while(in_another_thread)


def test_imports_ending_in_any_order_put_the_switch_interval_back() -> None:
    # Two imports in two threads of one process (a web process running tasks itself).
    usual = sys.getswitchinterval()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    while_second_alone: list[float] = []

    def first() -> None:
        with read_ahead(iter([1])) as items:
            list(items)
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with read_ahead(iter([2])) as items:
            list(items)
            second_in.set()
            first_out.wait(5)
            while_second_alone.append(sys.getswitchinterval())

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert while_second_alone == [readahead.SWITCH_SECONDS]  # still reading ahead
    assert sys.getswitchinterval() == usual
