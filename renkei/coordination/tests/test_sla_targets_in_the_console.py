"""Administrators set the SLA targets in the console; the triage queue follows them."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.coordination.models import SlaTarget
from renkei.incidents.selectors import QueueFilters, queue_page
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in

pytestmark = pytest.mark.django_db
URL = "/coordination/sla/"
NOW = datetime.fromisoformat("2025-04-10T12:00:00+09:00")  # a Thursday


def _form(**changes: int) -> dict[str, int]:
    """What the page posts: the figures, and (hidden) the figures it showed."""
    data = {}
    for target in SlaTarget.objects.all():
        data[f"{target.category}_first"] = target.first_notification_days
        data[f"{target.category}_resolution"] = target.resolution_days
    return {f"initial-{name}": value for name, value in data.items()} | data | changes


def _overdue_refs() -> list[str]:
    page = queue_page(QueueFilters(overdue=True), now=NOW)
    return [row.incident.ref for row in page.rows]


def test_the_page_shows_every_category_with_its_current_targets(
    personas: dict[str, User],
) -> None:
    phishing = SlaTarget.objects.get(category="phishing")

    page = signed_in(personas["admin"]).get(URL).content.decode()

    assert reverse("coordination:sla_targets") == URL
    assert 'name="phishing_first"' in page and 'name="other_resolution"' in page
    assert f'name="phishing_first" value="{phishing.first_notification_days}"' in page
    assert f'name="initial-phishing_first" value="{phishing.first_notification_days}"' in page
    assert "SLA 目標" in page and "初回通知まで (営業日)" in page  # Japanese by default
    assert "この日数を超えたインシデントは期限超過になります。" in page


def test_an_administrator_lowers_a_target_and_the_queue_follows(
    personas: dict[str, User],
) -> None:
    incident = ingest(url="https://slow.example/x", at="2025-04-07T10:00:00+09:00").incident
    SlaTarget.objects.filter(category="phishing").update(first_notification_days=5)
    assert incident.ref not in _overdue_refs()  # 3 business days old

    response = signed_in(personas["admin"]).post(URL, _form(phishing_first=2))

    assert response.status_code == 302
    assert SlaTarget.objects.get(category="phishing").first_notification_days == 2
    assert incident.ref in _overdue_refs()
    event = AuditEvent.objects.get(action="sla.update")
    assert event.actor == personas["admin"]
    assert (event.before["first_notification_days"], event.after["first_notification_days"]) == (
        5,
        2,
    )


def test_saving_unchanged_targets_records_nothing(personas: dict[str, User]) -> None:
    signed_in(personas["admin"]).post(URL, _form())

    assert not AuditEvent.objects.filter(action="sla.update").exists()


@pytest.mark.parametrize("bad", [-1, 251])
def test_a_target_out_of_range_is_refused_and_nothing_changes(
    personas: dict[str, User], bad: int
) -> None:
    before = list(SlaTarget.objects.order_by("category").values_list())

    response = signed_in(personas["admin"]).post(URL, _form(scan_resolution=bad))

    assert response.status_code == 200
    assert "scan_resolution" in response.context["form"].errors
    assert list(SlaTarget.objects.order_by("category").values_list()) == before
    assert not AuditEvent.objects.filter(action="sla.update").exists()


@pytest.mark.parametrize("persona", ["analyst", "coordinator", "participant_a"])
def test_only_administrators_may_open_or_change_the_targets(
    personas: dict[str, User], persona: str
) -> None:
    client = signed_in(personas[persona])

    assert client.get(URL).status_code == 403
    assert client.post(URL, _form(phishing_first=0)).status_code == 403
    assert SlaTarget.objects.get(category="phishing").first_notification_days != 0


def test_two_administrators_editing_at_once_do_not_undo_each_other(
    personas: dict[str, User],
) -> None:
    first_form, second_form = _form(), _form()  # both opened the page before either saved
    client = signed_in(personas["admin"])

    client.post(URL, first_form | {"phishing_first": 7})
    client.post(URL, second_form | {"scan_resolution": 9})

    assert SlaTarget.objects.get(category="phishing").first_notification_days == 7
    assert SlaTarget.objects.get(category="scan").resolution_days == 9


def test_a_category_without_a_target_gets_one(personas: dict[str, User]) -> None:
    SlaTarget.objects.filter(category="ics").delete()

    signed_in(personas["admin"]).post(URL, _form(ics_first=3, ics_resolution=20))

    ics = SlaTarget.objects.get(category="ics")
    assert (ics.first_notification_days, ics.resolution_days) == (3, 20)
    event = AuditEvent.objects.get(action="sla.update")
    assert event.before is None and event.after == {
        "first_notification_days": 3,
        "resolution_days": 20,
    }
