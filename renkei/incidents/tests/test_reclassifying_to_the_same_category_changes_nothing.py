"""Reclassifying an incident to the category it has says nothing changed and audits nothing."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _reclassify(user: User, incident: Incident, category: str) -> list[str]:
    user.language = "en"  # the console speaks the signed-in person's language
    user.save(update_fields=["language"])
    url = reverse("incidents:reclassify", args=[incident.ref])
    response = signed_in(user).post(url, {"category": category})
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("category", "said", "audited"),
    [
        ("phishing", "Nothing changed: the category stays phishing site.", 0),
        ("defacement", "The incident was reclassified.", 1),
    ],
)
def test_reclassifying_says_whether_the_category_changed_and_audits_only_a_change(
    personas: dict[str, User], category: str, said: str, audited: int
) -> None:
    incident = ingest(url="https://a.example/login").incident

    assert _reclassify(personas["analyst"], incident, category) == [said]
    assert AuditEvent.objects.filter(action="incident.classify").count() == audited
