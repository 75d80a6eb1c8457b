"""The recipient's country decides domestic or overseas in the quarterly report, so a
notification is sent with a two-letter country, typed or the contact's."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.directory import contact_save
from renkei.coordination.models import Contact, Notification
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


@pytest.fixture
def incident(db: None) -> Incident:
    return ingest(url="https://example.com/login").incident


def _notify(analyst: User, incident: Incident, **fields: Any) -> Any:
    analyst.language = "ja"
    analyst.save()
    data = {
        "contact": "",
        "recipient": "abuse@hosting.example.jp",
        "recipient_country": "",
        "language": "ja",
        "basis": "site_confirmed",
        "subject": "フィッシングサイトに関する対応のお願い",
        "body": "ご確認ください。",
    }
    return signed_in(analyst).post(
        reverse("coordination:notify", args=[incident.ref]), data | fields
    )


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["日本", "J1", "J"])
def test_a_country_that_is_not_two_letters_is_refused(
    personas: dict[str, User], incident: Incident, typed: str
) -> None:
    response = _notify(personas["analyst"], incident, recipient_country=typed)

    assert response.status_code == 200
    assert "国は ISO 3166-1 の 2 文字のコードで入力してください" in response.content.decode()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_typed_address_without_a_country_is_refused_rather_than_counted_overseas(
    personas: dict[str, User], incident: Incident
) -> None:
    response = _notify(personas["analyst"], incident)

    assert response.status_code == 200
    assert "宛先の国を入力してください" in response.content.decode()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_contacts_country_is_enough_and_a_typed_one_is_stored_in_capitals(
    personas: dict[str, User], incident: Incident
) -> None:
    contact = contact_save(
        actor=personas["admin"],
        contact=None,
        data={"organisation": "Hoster KK", "email": "abuse@hoster.example", "country": "JP"},
    )

    _notify(personas["analyst"], incident, contact=contact.pk, recipient="")
    _notify(personas["analyst"], incident, recipient_country="us")

    countries = Notification.objects.order_by("pk").values_list("recipient_country", flat=True)
    assert list(countries) == ["JP", "US"]


@pytest.mark.django_db
def test_the_directory_refuses_a_country_that_is_not_two_letters(
    personas: dict[str, User],
) -> None:
    response = signed_in(personas["coordinator"]).post(
        reverse("coordination:contact_new"),
        {
            "organisation": "Hoster KK",
            "email": "abuse@hoster.example",
            "role": "hosting",
            "country": "日本",
            "language": "ja",
            "pgp_public_key": "",
            "notes": "",
            "active": "on",
        },
    )

    assert response.status_code == 200
    assert not Contact.objects.exists()
