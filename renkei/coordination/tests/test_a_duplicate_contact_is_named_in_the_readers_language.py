"""Adding an address that is already in the directory says so once, in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.directory import contact_save
from renkei.coordination.models import Contact
from renkei.incidents.tests.helpers import signed_in


def _add(client: Any, email: str) -> Any:
    return client.post(
        reverse("coordination:contact_new"),
        {
            "organisation": "Hoster KK",
            "email": email,
            "role": "hosting",
            "country": "JP",
            "language": "ja",
            "pgp_public_key": "",
            "notes": "",
            "active": "on",
        },
        HTTP_ACCEPT_LANGUAGE="ja",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["abuse@hoster.example", "Abuse@Hoster.example"])
def test_an_address_already_in_the_directory_is_refused_in_japanese(
    personas: dict[str, User], typed: str
) -> None:
    coordinator = personas["coordinator"]
    coordinator.language = "ja"
    coordinator.save()
    data = {"organisation": "Hoster KK", "email": "abuse@hoster.example", "country": "JP"}
    contact_save(actor=coordinator, contact=None, data=data)

    response = _add(signed_in(coordinator), typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert "abuse@hoster.example はすでに連絡先に登録されています。" in page
    assert page.count('class="errorlist') == 1  # that one error, no field error beside it
    assert Contact.objects.count() == 1
