"""Bulk actions in the queue: classify, no notification with a reason, assign; all audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.coordination.models import NoNotification
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


@pytest.fixture
def two(db: None) -> list[Incident]:
    return [ingest(url=f"https://{n}.example/x").incident for n in "ab"]


def _post(user: User, refs: list[str], **data: str) -> int:
    payload = {"incidents": refs, "next": "/incidents/?category=phishing", **data}
    return signed_in(user).post(reverse("incidents:bulk"), payload).status_code


def test_classifying_several_incidents_changes_category_and_key(
    two: list[Incident], personas: dict[str, User]
) -> None:
    assert (
        _post(personas["analyst"], [i.ref for i in two], action="classify", category="defacement")
        == 302
    )
    assert set(Incident.objects.values_list("category", flat=True)) == {"defacement"}
    assert set(Incident.objects.values_list("key", flat=True)) == {"a.example/x", "b.example/x"}
    assert AuditEvent.objects.filter(action="incident.classify").count() == 2


def test_marking_no_notification_records_the_reason(
    two: list[Incident], personas: dict[str, User]
) -> None:
    _post(
        personas["coordinator"], [two[0].ref], action="no_notification", reason="already_notified"
    )
    two[0].refresh_from_db()
    assert two[0].status == "not_notified"
    assert NoNotification.objects.get(incident=two[0]).reason == "already_notified"


def test_assigning_sets_the_assignee(two: list[Incident], personas: dict[str, User]) -> None:
    _post(
        personas["analyst"],
        [i.ref for i in two],
        action="assign",
        assignee=str(personas["coordinator"].pk),
    )
    assert set(Incident.objects.values_list("assignee__username", flat=True)) == {"coordinator"}


@pytest.mark.parametrize("who", ["outsider", "participant_a"])
def test_people_outside_the_center_cannot_act_in_bulk(
    two: list[Incident], personas: dict[str, User], who: str
) -> None:
    assert _post(personas[who], [two[0].ref], action="classify", category="scan") == 403
    assert Incident.objects.get(pk=two[0].pk).category == "phishing"
