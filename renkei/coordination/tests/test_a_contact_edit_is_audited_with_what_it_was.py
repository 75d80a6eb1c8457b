"""The audit record of a contact edit holds the stored values as `before`, not the
posted ones (the edit form copies those onto the contact before the service runs)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.coordination.directory import contact_save
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_a_changed_email_address_appears_as_it_was_before_and_as_it_is_after(
    personas: dict[str, User],
) -> None:
    contact = contact_save(
        actor=personas["admin"],
        contact=None,
        data={"organisation": "Hoster KK", "email": "old@hoster.example", "country": "JP"},
    )
    response = signed_in(personas["coordinator"]).post(
        reverse("coordination:contact_edit", args=[contact.pk]),
        {
            "organisation": "Hoster KK",
            "email": "New@Hoster.example",
            "role": "hosting",
            "country": "JP",
            "language": "ja",
            "pgp_public_key": "",
            "notes": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="contact.update", object_id=str(contact.pk))
    assert event.before is not None and event.after is not None
    assert (event.before["email"], event.after["email"]) == (
        "old@hoster.example",
        "new@hoster.example",
    )
    assert event.actor == personas["coordinator"]
