"""GET /api/incidents: a look (latest change first, filters) and a feed of changes (cursors)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from renkei.accounts.models import User
from renkei.accounts.services import api_token_create
from renkei.coordination.decisions import REASONS, incident_decide_no_notification
from renkei.incidents.models import Incident, IncidentStatus
from renkei.intake.tests.helpers import import_objects, report

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(hours=1)


@pytest.fixture
def token(personas: dict[str, User]) -> str:
    return api_token_create(actor=personas["analyst"], user=personas["analyst"], name="t")[1]


def _incidents(
    tmp_path: Path, count: int, category: str = "phishing", minute: int = 0
) -> list[str]:
    """`count` incidents, the i-th last changed at START + `minute` + i minutes; their refs."""
    lines = [
        report(f"{category}-{n}", "2024-04-01T09:00:00+09:00", category=category,
               url=f"https://{category}{n}.example/", ip=f"192.0.2.{n}")
        for n in range(count)
    ]  # fmt: skip
    import_objects(tmp_path, lines)
    refs = []
    for n in range(count):
        incident = Incident.objects.get(reports__ref=f"{category}-{n}")
        _changed(incident.ref, START + timedelta(minutes=minute + n))
        refs.append(incident.ref)
    return refs


def _changed(ref: str, at: datetime) -> None:
    Incident.objects.filter(ref=ref).update(updated_at=at)


def _get(client: Client, token: str, **query: Any) -> Any:
    return client.get(f"/api/incidents?{urlencode(query)}", HTTP_AUTHORIZATION=f"Bearer {token}")


def _refs(body: dict[str, Any]) -> list[str]:
    return [item["ref"] for item in body["items"]]


def test_a_look_lists_the_latest_change_first_and_filters(
    client: Client, token: str, tmp_path: Path
) -> None:
    phishing = _incidents(tmp_path, 3)
    scans = _incidents(tmp_path, 2, category="scan", minute=10)
    Incident.objects.filter(ref=phishing[0]).update(status=IncidentStatus.RESOLVED)

    everything = _get(client, token).json()
    only_scans = _get(client, token, category="scan").json()
    resolved = _get(client, token, status="resolved").json()

    assert everything["count"] == 5
    assert _refs(everything) == [scans[1], scans[0], phishing[2], phishing[1], phishing[0]]
    assert everything["next"] is None
    assert (only_scans["count"], _refs(only_scans)) == (2, [scans[1], scans[0]])
    assert _refs(resolved) == [phishing[0]]
    assert _get(client, token, status="closed").status_code == 422


def test_the_feed_pages_by_cursor_from_a_time_oldest_change_first(
    client: Client, token: str, tmp_path: Path
) -> None:
    refs = _incidents(tmp_path, 5)
    since = (START + timedelta(minutes=1)).isoformat()

    first = _get(client, token, changed_since=since, limit=2).json()
    second = _get(client, token, cursor=first["next"], limit=2).json()
    last = _get(client, token, cursor=second["next"], limit=2).json()

    assert (_refs(first), first["more"]) == (refs[1:3], True)
    # Pasted into a URL unescaped, a cursor still arrives as it was.
    assert parse_qs(f"cursor={first['next']}")["cursor"] == [first["next"]]
    assert (_refs(second), second["more"]) == (refs[3:5], False)
    # Nothing new: the same cursor comes back for the next poll.
    assert (_refs(last), last["more"], last["next"]) == ([], False, second["next"])
    assert first["count"] is None
    changed = datetime.fromisoformat(first["items"][0]["updated_at"])  # JSON: milliseconds
    assert abs(changed - (START + timedelta(minutes=1))) < timedelta(milliseconds=1)


def test_incidents_changed_at_the_same_moment_page_by_id(
    client: Client, token: str, tmp_path: Path
) -> None:
    refs = _incidents(tmp_path, 3)
    Incident.objects.update(updated_at=START)

    pages, cursor = [], None
    for _ in range(4):
        query = {"cursor": cursor} if cursor else {"changed_since": START.isoformat()}
        body = _get(client, token, limit=1, **query).json()
        pages.append(_refs(body))
        cursor = body["next"]

    assert pages == [[refs[0]], [refs[1]], [refs[2]], []]


def test_the_feed_skips_nothing_when_incidents_change_between_pages(
    client: Client, token: str, tmp_path: Path
) -> None:
    refs = _incidents(tmp_path, 4)
    first = _get(client, token, changed_since=START.isoformat(), limit=2).json()
    # Listed already, changed again: it comes again, after the others.
    _changed(refs[0], START + timedelta(minutes=10))

    rest = _get(client, token, cursor=first["next"], limit=10).json()

    assert _refs(first) == refs[:2]
    assert _refs(rest) == [refs[2], refs[3], refs[0]]


def test_the_feed_holds_back_the_latest_changes_until_they_settle(
    client: Client, token: str, tmp_path: Path, settings: Any
) -> None:
    settings.RENKEI_API_CHANGES_SETTLE_SECONDS = 60
    refs = _incidents(tmp_path, 2)
    _changed(refs[1], timezone.now() - timedelta(seconds=30))

    now = _get(client, token, changed_since=START.isoformat()).json()
    settings.RENKEI_API_CHANGES_SETTLE_SECONDS = 10
    later = _get(client, token, cursor=now["next"]).json()

    assert _refs(now) == [refs[0]]
    assert _refs(later) == [refs[1]]


def test_the_feed_refuses_what_it_cannot_follow(client: Client, token: str) -> None:
    good = START.isoformat()

    for query in (
        {"cursor": "not-a-cursor"},
        {"cursor": "2024-13-01T00:00:00+00:00~5"},  # month 13
        {"cursor": "2024-04-01T00:00:00~5"},  # no offset: which time?
        {"cursor": "2024-04-01T00:00:00+00:00~²"},  # a digit to isdigit(), not to int()
        {"cursor": "0001-01-01T00:00:00+09:00~1"},  # before the first UTC time
        {"cursor": "2024-04-01T00:00:00Z~" + "9" * 30},
        {"changed_since": "1700000000"},  # seconds since 1970, not RFC 3339
        {"changed_since": "2024-04-01T09:00:00"},
        {"changed_since": "9999-12-31T23:59:59-09:00"},  # after the last UTC time
        {"changed_since": good, "offset": 10},
        {"changed_since": good, "sort": "ref"},
        {"changed_since": good, "cursor": "2024-04-01T00:00:00Z~5"},
    ):
        response = _get(client, token, **query)
        assert response.status_code == 422, query
        assert response.json()["detail"], query


def test_whatever_changes_an_incident_brings_it_back_in_the_feed(
    client: Client, token: str, tmp_path: Path, personas: dict[str, User], settings: Any
) -> None:
    settings.RENKEI_API_CHANGES_SETTLE_SECONDS = 0
    refs = _incidents(tmp_path, 4)
    seen = _get(client, token, changed_since=START.isoformat()).json()
    at = "2024-04-02T09:00:00+09:00"

    # A later report, a notification and a resolution from an import, an analyst's decision.
    import_objects(tmp_path, [
        report("again", at, category="phishing", url="https://phishing0.example/"),
        {"kind": "notification", "ref": "n1", "report": "phishing-1", "sent_at": at,
         "recipient": "abuse@host.example", "recipient_country": "JP", "basis": "site_confirmed"},
        {"kind": "resolution", "report": "phishing-2", "resolved_at": at},
    ])  # fmt: skip
    incident_decide_no_notification(
        actor=personas["analyst"], incidents=[Incident.objects.get(ref=refs[3])],
        reason=sorted(REASONS)[0],
    )  # fmt: skip
    changed = _get(client, token, cursor=seen["next"]).json()

    assert _refs(seen) == refs
    assert sorted(_refs(changed)) == sorted(refs)
    statuses = {item["ref"]: (item["status"], item["report_count"]) for item in changed["items"]}
    assert statuses == {
        refs[0]: ("open", 2), refs[1]: ("notified", 1), refs[2]: ("resolved", 1),
        refs[3]: ("not_notified", 1),
    }  # fmt: skip


def test_a_filtered_feed_lists_only_what_matches(
    client: Client, token: str, tmp_path: Path
) -> None:
    phishing = _incidents(tmp_path, 2)
    scans = _incidents(tmp_path, 2, category="scan", minute=10)

    feed = _get(client, token, changed_since=START.isoformat(), category="scan").json()
    resolved = _get(client, token, changed_since=START.isoformat(), status="resolved").json()

    assert _refs(feed) == scans and phishing[0] not in _refs(feed)
    assert _refs(resolved) == []


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_feed_waits_for_an_older_open_transaction(
    client: Client, token: str, tmp_path: Path, settings: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("optional: SQLite lets one writer in at a time, so changes commit in order")
    settings.RENKEI_API_CHANGES_SETTLE_SECONDS = 0
    refs = _incidents(tmp_path, 2)
    # Another session's transaction, open since before the change below: it
    # may still commit a change stamped with an earlier time.
    other = psycopg.connect(**_libpq_params())
    try:
        other.execute("SELECT 1")
        _changed(refs[1], timezone.now())

        waiting = _get(client, token, changed_since=START.isoformat()).json()
        other.rollback()
        after = _get(client, token, cursor=waiting["next"]).json()
    finally:
        other.close()

    assert _refs(waiting) == [refs[0]]
    assert _refs(after) == [refs[1]]


def _libpq_params() -> dict[str, Any]:
    params = connection.get_connection_params()
    return {k: v for k, v in params.items() if k in ("dbname", "host", "port", "user", "password")}
