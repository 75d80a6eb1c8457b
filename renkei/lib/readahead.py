"""An iterator run ahead in a thread while its caller works on what it already got.

A bulk import reads and parses its next batch while it stores the current
one. Storing is mostly the database's B-tree work, which runs without the
GIL (one multi-row statement at a time, see `sqlbulk`), so the parsing
thread gets the processor meanwhile. A process was tried before: handing a
parsed batch back cost as much as parsing it (bench/README.md); a thread
hands over the objects themselves.

The items come in order, errors included: what the iterator raised is
raised to the caller after the items it yielded before. When the caller
stops early, the thread is told to stop and is waited for.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

# How long the storing thread may wait for the GIL after a database call while
# the reading thread runs (Python's default is 5 ms; an import makes thousands of calls).
SWITCH_SECONDS = 0.0005
_END = object()
_GATE_WAIT_SECONDS = 0.05
# Per thread: in a reading thread, its import's stop and gate; in a storing thread, the
# gate of the import it stores (so other threads' database calls open no gate of ours).
_reading = threading.local()
_storing = threading.local()
_switches: dict[str, float] = {"users": 0, "before": 0.0}
_switches_lock = threading.Lock()


def yield_to_storing() -> None:
    """Called by the reading thread now and then: pause while the storing thread runs Python.

    Two threads running Python share the GIL, so parsing while the storing
    thread builds its rows only slows both. A hint, never a lock: it waits
    at most `_GATE_WAIT_SECONDS`, and does nothing outside a read-ahead thread.
    """
    stop: threading.Event | None = getattr(_reading, "stop", None)
    if stop is None:
        return
    if stop.is_set():
        # The caller left (Ctrl-C, an error): leave the item half made instead of
        # finishing it, while the caller waits with the database still locked.
        raise _Stopped
    _reading.gate.wait(_GATE_WAIT_SECONDS)


class _Stopped(BaseException):
    """Raised in the reading thread once the caller has stopped; a BaseException so
    that no `except Exception` of the code it runs holds it back."""


@contextmanager
def reading_may_run() -> Iterator[None]:
    """Around a long call of the storing thread that leaves the GIL (a database
    statement, a commit, a wait): the reading thread may work meanwhile."""
    gate: threading.Event | None = getattr(_storing, "gate", None)
    if gate is None:
        yield
        return
    gate.set()
    try:
        yield
    finally:
        gate.clear()


@contextmanager
def read_ahead(items: Iterator[T], depth: int = 2) -> Iterator[Iterator[T]]:
    """`items`, produced by a thread up to `depth` items ahead of the caller.

    Leaving the block stops the thread and waits for it, also when the caller
    stopped early or raised.
    """
    handed: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
    stop, gate = threading.Event(), threading.Event()

    def produce() -> None:
        _reading.stop, _reading.gate = stop, gate
        try:
            for item in items:
                if not _hand(handed, stop, (item, None)):
                    return
            _hand(handed, stop, (_END, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
            _hand(handed, stop, (_END, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's files are closed now, not when it is collected

    def consume() -> Iterator[T]:
        while True:
            with reading_may_run():
                item, error = handed.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item  # type: ignore[misc]

    thread = threading.Thread(target=produce, name="renkei-read-ahead", daemon=True)
    outer_gate = getattr(_storing, "gate", None)
    _storing.gate = gate
    with _short_switches():
        thread.start()
        try:
            yield consume()
        finally:
            stop.set()
            _drain(handed)
            thread.join()
            _storing.gate = outer_gate


def _hand(
    handed: queue.Queue[tuple[object, BaseException | None]], stop: threading.Event,
    entry: tuple[object, BaseException | None],
) -> bool:  # fmt: skip
    """Put `entry` once there is room; False if the caller stopped meanwhile."""
    while not stop.is_set():
        try:
            handed.put(entry, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _drain(handed: queue.Queue[tuple[object, BaseException | None]]) -> None:
    while True:
        try:
            handed.get_nowait()
        except queue.Empty:
            return


@contextmanager
def _short_switches() -> Iterator[None]:
    """The process's switch interval, short while any import reads ahead.

    Counted: two imports in two threads of one process may end in any order,
    and the last one out puts back what the first one found.
    """
    with _switches_lock:
        if not _switches["users"]:
            _switches["before"] = sys.getswitchinterval()
            sys.setswitchinterval(min(_switches["before"], SWITCH_SECONDS))
        _switches["users"] += 1
    try:
        yield
    finally:
        with _switches_lock:
            _switches["users"] -= 1
            if not _switches["users"]:
                sys.setswitchinterval(_switches["before"])
