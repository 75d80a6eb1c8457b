from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from renkei.lib.readahead import read_ahead


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
