"""Ctrl-C held back while a commit and the record of what it committed happen.

A KeyboardInterrupt lands between any two bytecodes. Landing after the
database's COMMIT but before the on-commit hooks ran, it would leave an
import saying it kept fewer reports than the database holds.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """SIGINT received inside the block takes effect when the block ends.

    Only the main thread receives Python's signal handlers, and only it may
    change them; elsewhere (a task worker's thread) the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[FrameType | None] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(frame)

    # None: a handler not installed from Python; the default is the nearest.
    previous = signal.signal(signal.SIGINT, hold) or signal.SIG_DFL
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            _deliver(previous, received[0])


def _deliver(handler: object, frame: FrameType | None) -> None:
    if callable(handler):
        handler(signal.SIGINT, frame)
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), signal.SIGINT)
    # SIG_IGN: the process ignores SIGINT, as it did before the block.
