"""Staff pages: 403 for participants and outsiders, sign-in for anonymous, 404 for unknown objects."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import User
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["participant_a", "participant_b", "outsider"])
def test_non_staff_get_403_on_staff_pages_and_their_posts_change_nothing(
    personas: dict[str, User], who: str
) -> None:
    incident = ingest(url="https://example.com/x").incident
    client = signed_in(personas[who])
    for url in (
        reverse("incidents:queue"),
        reverse("incidents:detail", args=[incident.ref]),
        reverse("coordination:contacts"),
        reverse("coordination:templates"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("coordination:resolve", args=[incident.ref])).status_code == 403
    incident.refresh_from_db()
    assert incident.status == "open"
    home = client.get(reverse("dashboard"))
    if who == "outsider":
        assert home.status_code == 403
    else:  # a participant's home: what a member can do, none of the center's figures
        page = home.content.decode()
        assert home.status_code == 200 and 'id="member-actions"' in page
        assert 'id="overdue"' not in page and incident.ref not in page


@pytest.mark.django_db
def test_anonymous_visitors_are_asked_to_sign_in(personas: dict[str, User]) -> None:
    response = Client().get(reverse("incidents:queue"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_an_unknown_incident_is_404_for_staff(personas: dict[str, User]) -> None:
    assert (
        signed_in(personas["analyst"])
        .get(reverse("incidents:detail", args=["I-0000000000"]))
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_analysts_cannot_edit_templates_which_are_for_administrators(
    personas: dict[str, User],
) -> None:
    assert signed_in(personas["analyst"]).get(reverse("coordination:templates")).status_code == 403
    assert signed_in(personas["admin"]).get(reverse("coordination:templates")).status_code == 200
