"""A report that joins a resolved incident is shown: on the dashboard, as a
queue filter and on the incident's page.

Within the dedup window a report joins its incident whatever the status (the
site came back, or someone reports it still up). The incident stays resolved,
so its handling time stands; before, nothing showed an analyst the new report.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.incidents.models import Incident
from renkei.incidents.tests.helpers import signed_in
from renkei.intake.tests.helpers import import_objects, report

pytestmark = pytest.mark.django_db

BACK = "https://back.example/login"
GONE = "https://gone.example/login"


def _history(tmp_path: Path) -> tuple[Incident, Incident]:
    import_objects(tmp_path, [
        report("back-1", "2024-04-01T10:00:00+09:00", category="phishing", url=BACK),
        {"kind": "resolution", "report": "back-1", "resolved_at": "2024-04-03T10:00:00+09:00"},
        report("back-2", "2024-04-10T10:00:00+09:00", category="phishing", url=BACK),
        report("back-3", "2024-04-11T10:00:00+09:00", category="phishing", url=BACK),
        report("gone-1", "2024-04-01T10:00:00+09:00", category="phishing", url=GONE),
        report("gone-2", "2024-04-02T10:00:00+09:00", category="phishing", url=GONE),
        {"kind": "resolution", "report": "gone-1", "resolved_at": "2024-04-03T10:00:00+09:00"},
    ])  # fmt: skip
    back = Incident.objects.get(key="back.example/login")
    gone = Incident.objects.get(key="gone.example/login")
    assert back.status == gone.status == "resolved"
    assert back.report_count == 3  # the later reports joined the resolved incident
    return back, gone


def _refs(html: str) -> set[str]:
    return set(re.findall(r"I-[0-9A-Z]{10}", html))


def test_the_queue_filter_lists_only_incidents_reported_again(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    back, gone = _history(tmp_path)
    client = signed_in(personas["analyst"])

    page = client.get(reverse("incidents:queue"), {"reported_again": "on"}).content.decode()
    default = client.get(reverse("incidents:queue")).content.decode()

    assert back.ref in _refs(page) and gone.ref not in _refs(page)
    assert back.ref not in _refs(default)  # the triage queue is still open and notified only


def test_the_dashboard_counts_them_and_links_to_the_filter(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    _history(tmp_path)

    page = signed_in(personas["analyst"]).get(reverse("dashboard")).content.decode()

    card = re.search(r'<section class="card" id="reported-again">.*?</section>', page, re.S)
    assert card is not None
    assert re.search(r'href="[^"]*\?reported_again=on">1</a>', card.group(0))


def test_the_incident_page_says_how_many_reports_came_after_the_resolution(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    back, gone = _history(tmp_path)
    client = signed_in(personas["analyst"])

    back_page = client.get(reverse("incidents:detail", args=[back.ref])).content.decode()
    gone_page = client.get(reverse("incidents:detail", args=[gone.ref])).content.decode()

    notice = re.search(r'<p class="alert reported-again">(.*?)</p>', back_page, re.S)
    assert notice is not None
    assert "2" in notice.group(1) and "2024-04-03 10:00" in notice.group(1)
    assert "reported-again" not in gone_page


def test_without_such_incidents_the_dashboard_shows_no_card(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    import_objects(tmp_path, [report("a", "2024-04-01T10:00:00+09:00", category="other")])

    page = signed_in(personas["analyst"]).get(reverse("dashboard")).content.decode()

    assert 'id="reported-again"' not in page


def test_taken_down_again_it_is_resolved_again_and_no_longer_shown(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    back, gone = _history(tmp_path)
    client = signed_in(personas["analyst"])
    resolve = reverse("coordination:resolve", args=[back.ref])

    too_early = client.post(resolve, {"resolved_at": "2024-04-03T10:00"}, follow=True)
    assert back.resolutions.count() == 1
    assert "2024-04-03 10:00" in too_early.content.decode()  # names the last resolution
    client.post(resolve, {"resolved_at": "2024-04-12T09:00"})
    client.post(reverse("coordination:resolve", args=[gone.ref]), {})

    assert list(back.resolutions.order_by("resolved_at").values_list("report", flat=True)) == [
        back.reports.get(ref="back-1").pk, None,
    ]  # fmt: skip
    assert gone.resolutions.count() == 1  # nothing came after its resolution: refused
    page = client.get(reverse("incidents:detail", args=[back.ref])).content.decode()
    assert "reported-again" not in page and 'id="resolve-form"' not in page
    queue = client.get(reverse("incidents:queue"), {"reported_again": "on"}).content.decode()
    assert back.ref not in _refs(queue)
