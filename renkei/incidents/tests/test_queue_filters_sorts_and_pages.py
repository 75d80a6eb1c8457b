"""The triage queue: filters, age in business days, keyset pages, bounded counts."""

from __future__ import annotations

from datetime import datetime

import pytest

from renkei.accounts.models import User
from renkei.coordination.decisions import incident_decide_no_notification
from renkei.coordination.models import Notification
from renkei.incidents import selectors
from renkei.incidents.models import Incident
from renkei.incidents.selectors import QueueFilters, queue_page
from renkei.incidents.tests.factories import ingest

NOW = datetime.fromisoformat("2025-05-09T12:00:00+09:00")  # a Friday after Golden Week


def _refs(filters: QueueFilters, **kwargs: object) -> list[str]:
    return [row.incident.ref for row in queue_page(filters, now=NOW, **kwargs).rows]  # type: ignore[arg-type]


@pytest.fixture
def world(db: None) -> dict[str, Incident]:
    old = ingest(
        url="https://old.example/x", at="2025-04-01T10:00:00+09:00", brand="Example Bank"
    ).incident
    new = ingest(url="https://new.example/x", at="2025-05-08T10:00:00+09:00").incident
    scan = ingest(
        category="scan", ip="192.0.2.7", at="2025-04-20T10:00:00+09:00", ports=["22/tcp"]
    ).incident
    notified = ingest(url="https://sent.example/x", at="2025-04-10T10:00:00+09:00").incident
    Notification.objects.create(
        source="x",
        ref="n1",
        incident=notified,
        sent_at=datetime.fromisoformat("2025-04-11T10:00:00+09:00"),
        recipient="abuse@sent.example",
        recipient_country="US",
    )
    Incident.objects.filter(pk=notified.pk).update(status="notified")
    return {"old": old, "new": new, "scan": scan, "notified": notified}


def test_the_queue_lists_open_and_notified_incidents_oldest_first(
    world: dict[str, Incident],
) -> None:
    assert _refs(QueueFilters()) == [world[k].ref for k in ("old", "notified", "scan", "new")]
    assert _refs(QueueFilters(order="newest"))[0] == world["new"].ref


def test_incidents_decided_as_needing_no_notification_leave_the_queue(
    world: dict[str, Incident], personas: dict[str, User]
) -> None:
    incident_decide_no_notification(
        actor=personas["analyst"], incidents=[world["old"]], reason="site_unreachable"
    )
    assert world["old"].ref not in _refs(QueueFilters())
    assert _refs(QueueFilters(status="not_notified")) == [world["old"].ref]


def test_filters_by_category_month_brand_country_and_notification(
    world: dict[str, Incident],
) -> None:
    assert _refs(QueueFilters(category="scan")) == [world["scan"].ref]
    assert _refs(QueueFilters(month="2025-05")) == [world["new"].ref]
    assert _refs(QueueFilters(brand=world["old"].brand_id)) == [world["old"].ref]
    assert _refs(QueueFilters(country="us")) == [world["notified"].ref]
    assert _refs(QueueFilters(has_notification="yes")) == [world["notified"].ref]
    assert world["notified"].ref not in _refs(QueueFilters(has_notification="no"))


def test_overdue_means_past_the_sla_target_in_business_days(world: dict[str, Incident]) -> None:
    # phishing: first notification within 1 business day, resolution within 10; scan: 5 and 20.
    overdue = _refs(QueueFilters(overdue=True))
    assert world["old"].ref in overdue and world["notified"].ref in overdue
    assert world["new"].ref not in overdue  # 1 business day old
    assert world["scan"].ref in overdue  # 20 Apr -> 9 May: 12 business days (29 Apr, 3-6 May off)
    rows = {r.incident.ref: r for r in queue_page(QueueFilters(), now=NOW).rows}
    assert rows[world["new"].ref].age == 1 and not rows[world["new"].ref].overdue
    assert rows[world["scan"].ref].age == 12 and rows[world["scan"].ref].overdue


def test_pages_follow_each_other_without_gaps_or_repeats(world: dict[str, Incident]) -> None:
    first = queue_page(QueueFilters(), size=3, now=NOW)
    second = queue_page(QueueFilters(), size=3, after=first.next_cursor or "", now=NOW)
    refs = [r.incident.ref for r in first.rows + second.rows]
    assert refs == _refs(QueueFilters()) and second.next_cursor is None


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "2025-13-01T00:00:00+09:00~5",
        "2025-05-01T00:00:00~5",
        "~",
        "x~y",
        "2025-05-01T00:00:00Z~²",
        "0001-01-01T00:00:00+09:00~1",
    ],
)
def test_a_cursor_edited_in_the_link_starts_the_queue_over(
    world: dict[str, Incident], cursor: str
) -> None:
    page = queue_page(QueueFilters(), after=cursor, now=NOW)

    assert [r.incident.ref for r in page.rows] == _refs(QueueFilters())


def test_the_count_stops_at_a_cap_instead_of_counting_everything(
    world: dict[str, Incident], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    page = queue_page(QueueFilters(), now=NOW)
    assert (page.count, page.count_capped) == (2, True)
    assert len(page.rows) == 4
