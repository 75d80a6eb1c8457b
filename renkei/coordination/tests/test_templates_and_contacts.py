"""Notification templates (seeded, edited by admins, previewed) and the contact directory."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.coordination.directory import contact_save
from renkei.coordination.models import Contact, NotificationTemplate, SlaTarget
from renkei.coordination.notifications import render_notification
from renkei.coordination.tests.conftest import Keyring
from renkei.incidents.models import CATEGORY_CHOICES
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in
from renkei.lib.errors import ValidationError


@pytest.mark.django_db
def test_every_category_has_a_japanese_and_an_english_template_and_an_sla() -> None:
    pairs = set(NotificationTemplate.objects.values_list("category", "language"))
    categories = {value for value, _ in CATEGORY_CHOICES}
    assert pairs == {(c, lang) for c in categories for lang in ("ja", "en")}
    assert set(SlaTarget.objects.values_list("category", flat=True)) == categories


@pytest.mark.django_db
def test_a_rendered_notification_carries_the_ticket_and_defanged_urls(
    personas: dict[str, User],
) -> None:
    incident = ingest(url="https://example.com/login", brand="Example Bank").incident
    subject, body = render_notification(incident=incident, language="ja")
    assert subject.startswith(f"[renkei#{incident.ref}] ")
    assert "hxxps://example[.]com/login" in body and "https://example.com" not in body
    assert "「Example Bank」を装っている" in body
    _, english = render_notification(incident=incident, language="en")
    assert "impersonate Example Bank" in english


@pytest.mark.django_db
def test_an_admin_edits_a_template_with_a_live_preview(personas: dict[str, User]) -> None:
    template = NotificationTemplate.objects.get(category="phishing", language="en")
    client = signed_in(personas["admin"])
    preview = client.post(
        reverse("coordination:template_preview", args=[template.pk]),
        {"subject": "Takedown {{ incident_ref }}", "body": "Sites: {{ urls|join:', ' }}"},
    )
    assert "Takedown I-0123456789" in preview.content.decode()
    response = client.post(
        reverse("coordination:template_edit", args=[template.pk]),
        {"subject": "Takedown please", "body": "Dear {{ organisation }}"},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.subject, template.updated_by) == ("Takedown please", personas["admin"])
    assert AuditEvent.objects.filter(action="template.update", object_id=str(template.pk)).exists()


@pytest.mark.django_db
def test_a_broken_template_is_refused_with_the_reason(personas: dict[str, User]) -> None:
    template = NotificationTemplate.objects.get(category="scan", language="ja")
    response = signed_in(personas["admin"]).post(
        reverse("coordination:template_edit", args=[template.pk]),
        {"subject": "x", "body": "{% if %}"},
    )
    assert response.status_code == 200 and "テンプレートのエラー" in response.content.decode()
    assert NotificationTemplate.objects.get(pk=template.pk).body != "{% if %}"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["analyst", "outsider"])
def test_only_administrators_change_templates(personas: dict[str, User], who: str) -> None:
    template = NotificationTemplate.objects.get(category="scan", language="ja")
    response = signed_in(personas[who]).post(
        reverse("coordination:template_edit", args=[template.pk]), {"subject": "x", "body": "y"}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_contact_with_a_public_key_is_stored_with_its_fingerprint(
    personas: dict[str, User], center_key: Keyring, contact_key: Keyring
) -> None:
    response = signed_in(personas["coordinator"]).post(
        reverse("coordination:contact_new"),
        {
            "organisation": "Hoster KK",
            "email": "Abuse@Hoster.example",
            "role": "hosting",
            "country": "jp",
            "language": "ja",
            "pgp_public_key": contact_key.public_key(),
            "notes": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.email, contact.country, contact.pgp_fingerprint) == (
        "abuse@hoster.example",
        "JP",
        contact_key.fingerprint,
    )
    assert AuditEvent.objects.filter(action="contact.create", object_id=str(contact.pk)).exists()


@pytest.mark.django_db
def test_something_that_is_not_a_public_key_is_refused(
    personas: dict[str, User], center_key: Keyring
) -> None:
    with pytest.raises(ValidationError):
        contact_save(
            actor=personas["analyst"],
            contact=None,
            data={
                "organisation": "X",
                "email": "x@example.org",
                "pgp_public_key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\nnope\n",
            },
        )
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_the_outsider_cannot_see_or_edit_the_directory(personas: dict[str, User]) -> None:
    contact = contact_save(
        actor=personas["analyst"],
        contact=None,
        data={"organisation": "X", "email": "x@example.org"},
    )
    outsider = signed_in(personas["outsider"])
    assert outsider.get(reverse("coordination:contacts")).status_code == 403
    assert (
        outsider.post(
            reverse("coordination:contact_edit", args=[contact.pk]), {"organisation": "Y"}
        ).status_code
        == 403
    )
    assert Contact.objects.get().organisation == "X"
