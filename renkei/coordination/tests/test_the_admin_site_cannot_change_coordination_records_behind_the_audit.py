"""Templates, contacts, SLA targets and notifications change only on the console's pages.

Those pages check the change and write the audit record; the admin site
would save the same rows with neither, so there they can only be looked at.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.models import Contact, NotificationTemplate, SlaTarget
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_a_template_cannot_be_rewritten_in_the_admin(personas: dict[str, User]) -> None:
    template = NotificationTemplate.objects.order_by("pk").first()
    assert template is not None
    before = (template.subject, template.body)
    url = reverse("admin:coordination_notificationtemplate_change", args=[template.pk])
    signed_in(personas["admin"]).post(
        url,
        {"category": template.category, "language": template.language,
         "subject": "{% broken", "body": "unaudited"},
    )  # fmt: skip
    template.refresh_from_db()
    assert (template.subject, template.body) == before


@pytest.mark.django_db
def test_contacts_and_sla_targets_cannot_be_added_changed_or_deleted_in_the_admin(
    personas: dict[str, User],
) -> None:
    client = signed_in(personas["admin"])
    for model in ("contact", "slatarget", "notificationtemplate", "notification"):
        assert client.get(reverse(f"admin:coordination_{model}_add")).status_code == 403
    contact = Contact.objects.create(organisation="Hoster", email="abuse@hoster.example")
    url = reverse("admin:coordination_contact_delete", args=[contact.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()
    target = SlaTarget.objects.order_by("pk").first()
    assert target is not None
    url = reverse("admin:coordination_slatarget_change", args=[target.pk])
    client.post(url, {"category": target.category, "first_notification_days": 99,
                      "resolution_days": 99})  # fmt: skip
    target.refresh_from_db()
    assert target.first_notification_days != 99


@pytest.mark.django_db
def test_the_admin_still_shows_them(personas: dict[str, User]) -> None:
    client = signed_in(personas["admin"])
    for model in ("contact", "slatarget", "notificationtemplate", "notification"):
        assert client.get(reverse(f"admin:coordination_{model}_changelist")).status_code == 200
    contact = Contact.objects.create(organisation="Hoster", email="abuse@hoster.example")
    page = client.get(reverse("admin:coordination_contact_change", args=[contact.pk]))
    assert page.status_code == 200 and "abuse@hoster.example" in page.content.decode()
