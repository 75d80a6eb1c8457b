"""Search in the triage queue normalizes the query the way reports are normalized."""

from __future__ import annotations

from datetime import datetime

import pytest

from renkei.accounts.models import User
from renkei.coordination.models import Notification
from renkei.incidents.selectors import QueueFilters, queue_page
from renkei.incidents.tests.factories import ingest


def _found(q: str) -> set[str]:
    return {row.incident.ref for row in queue_page(QueueFilters(q=q)).rows}


@pytest.fixture
def incidents(db: None) -> dict[str, str]:
    site = ingest(url="https://example.com/login").incident
    other_path = ingest(url="https://example.com/other").incident
    scan = ingest(category="scan", ip="2001:db8::1", ports=["22/tcp"]).incident
    idn = ingest(url="http://bücher.example/shop").incident
    Notification.objects.create(
        source="x",
        ref="n1",
        incident=scan,
        sent_at=datetime.fromisoformat("2025-04-04T00:00:00+09:00"),
        recipient="Abuse@ISP.example",  # as a coordinator typed it
    )
    return {"site": site.ref, "other": other_path.ref, "scan": scan.ref, "idn": idn.ref}


@pytest.mark.parametrize(
    "query",
    [
        "hxxps://example[.]com/login",
        "HTTPS://EXAMPLE.COM/login/",
        "example(.)com/login#top",
        "hxxps://EXAMPLE[.]com:443/%6Cogin",
    ],
)
def test_a_defanged_or_upper_cased_url_finds_its_incident(
    incidents: dict[str, str], query: str
) -> None:
    assert incidents["site"] in _found(query)
    assert incidents["other"] not in _found(query)


def test_a_host_finds_every_incident_on_it(incidents: dict[str, str]) -> None:
    assert _found("EXAMPLE[.]COM") == {incidents["site"], incidents["other"]}


def test_an_ip_address_in_any_spelling_finds_its_incident(incidents: dict[str, str]) -> None:
    assert _found("2001:0DB8:0:0::1") == {incidents["scan"]}


def test_an_e_mail_address_finds_incidents_notified_to_it(incidents: dict[str, str]) -> None:
    assert _found("abuse@isp.example") == {incidents["scan"]}
    assert _found("ABUSE@isp.EXAMPLE") == {incidents["scan"]}


def test_an_internationalized_host_is_found_by_its_unicode_or_ascii_name(
    incidents: dict[str, str],
) -> None:
    assert _found("BÜCHER.example") == {incidents["idn"]}
    assert _found("xn--bcher-kva.example") == {incidents["idn"]}


def test_the_incident_reference_finds_it(incidents: dict[str, str]) -> None:
    assert _found(incidents["site"].lower()) == {incidents["site"]}


def test_text_that_is_no_observable_finds_nothing_and_says_so(incidents: dict[str, str]) -> None:
    page = queue_page(QueueFilters(q="not a url at all!"))
    assert page.rows == [] and page.search_failed


def test_search_covers_resolved_incidents_too(
    incidents: dict[str, str], personas: dict[str, User]
) -> None:
    from renkei.coordination.decisions import incident_resolve
    from renkei.incidents.models import Incident

    incident_resolve(
        actor=personas["analyst"], incident=Incident.objects.get(ref=incidents["site"])
    )
    assert incidents["site"] in _found("hxxps://example[.]com/login")
    assert incidents["site"] not in {r.incident.ref for r in queue_page(QueueFilters()).rows}
