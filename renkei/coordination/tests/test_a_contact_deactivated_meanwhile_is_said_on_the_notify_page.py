"""A notification whose chosen contact was deactivated while the form was open is not
sent, and the page says why instead of coming back unchanged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.directory import contact_save
from renkei.coordination.models import Notification
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_a_contact_deactivated_while_the_form_was_open_is_reported_on_the_page(
    personas: dict[str, User],
) -> None:
    incident = ingest(url="https://example.com/login").incident
    data = {"organisation": "Hoster KK", "email": "abuse@hoster.example", "country": "JP"}
    contact = contact_save(actor=personas["admin"], contact=None, data=data)
    analyst = personas["analyst"]
    analyst.language = "ja"
    analyst.save()
    contact_save(actor=personas["admin"], contact=contact, data={"active": False})

    response = signed_in(analyst).post(
        reverse("coordination:notify", args=[incident.ref]),
        {
            "contact": contact.pk,
            "recipient": "",
            "recipient_country": "",
            "language": "ja",
            "basis": "site_confirmed",
            "subject": "フィッシングサイトに関する対応のお願い",
            "body": "ご確認ください。",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "この連絡先は連絡先一覧で無効になっています。" in page
    assert "連絡先を選ぶか、メールアドレスを入力してください。" not in page  # one was chosen
    assert not Notification.objects.exists()
