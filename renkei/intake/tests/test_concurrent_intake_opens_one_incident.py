"""Two channels reporting the same new site at the same moment open one incident, not two."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest

pytestmark = pytest.mark.django_db(transaction=True)
URL = "https://race.example.com/login"


def _in_thread(work: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_the_second_writer_waits_for_the_first_and_joins_its_incident() -> None:
    errors: list[BaseException] = []
    first_written, let_first_commit = threading.Event(), threading.Event()

    def first() -> None:
        with transaction.atomic():
            ingest(url=URL, at="2025-04-01T10:00:00+09:00")
            first_written.set()
            let_first_commit.wait(10)

    def second() -> None:
        ingest(url=URL, at="2025-04-01T10:05:00+09:00", channel="email")

    one = _in_thread(first, errors)
    assert first_written.wait(10), errors
    two = _in_thread(second, errors)
    two.join(1.0)
    waited = two.is_alive()  # still waiting for the first writer's transaction
    let_first_commit.set()
    one.join(10)
    two.join(10)

    assert errors == []
    assert waited
    incident = Incident.objects.get()
    assert incident.report_count == 2
