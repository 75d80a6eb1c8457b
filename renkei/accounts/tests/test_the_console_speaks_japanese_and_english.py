"""The console in Japanese and English; the person's choice is remembered."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_the_language_switch_is_remembered_on_the_account(personas: dict[str, User]) -> None:
    client = signed_in(personas["analyst"])
    assert "トリアージ" in client.get(reverse("incidents:queue")).content.decode()

    client.post(reverse("accounts:language"), {"language": "en", "next": "/incidents/"})

    personas["analyst"].refresh_from_db()
    assert personas["analyst"].language == "en"
    assert "Triage queue" in client.get(reverse("incidents:queue")).content.decode()
    assert (
        "Triage queue"
        in signed_in(personas["analyst"]).get(reverse("incidents:queue")).content.decode()
    )
    assert AuditEvent.objects.filter(action="user.language", actor=personas["analyst"]).exists()


@pytest.mark.django_db
def test_glossary_terms_are_used_for_categories_and_reasons(personas: dict[str, User]) -> None:
    page = signed_in(personas["analyst"]).get(reverse("dashboard")).content.decode()
    for term in (
        "フィッシングサイト",
        "Web サイト改ざん",
        "マルウェアサイト",
        "スキャン",
        "制御システム関連",
        "標的型攻撃",
    ):
        assert term in page
    personas["analyst"].language = "en"
    personas["analyst"].save()
    page = signed_in(personas["analyst"]).get(reverse("dashboard")).content.decode()
    assert "phishing site" in page and "website defacement" in page


@pytest.mark.django_db
def test_a_language_switch_never_redirects_off_site(personas: dict[str, User]) -> None:
    response = signed_in(personas["analyst"]).post(
        reverse("accounts:language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
