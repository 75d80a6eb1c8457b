"""In the admin site a token can be looked at and revoked (audited), not made or edited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import ApiToken, AuditEvent, User
from renkei.accounts.services import api_token_create, api_token_revoke
from renkei.accounts.tokens import authenticate_token
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_the_admin_offers_no_way_to_add_a_token_which_used_to_crash(
    personas: dict[str, User],
) -> None:
    client = signed_in(personas["admin"])
    url = reverse("admin:accounts_apitoken_add")
    assert client.get(url).status_code == 403
    assert client.post(url, {"user": personas["admin"].pk, "name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_revoked_token_cannot_be_revived_or_given_to_someone_else(
    personas: dict[str, User],
) -> None:
    analyst = personas["analyst"]
    token, secret = api_token_create(actor=analyst, user=analyst, name="script")
    api_token_revoke(actor=analyst, token=token)
    url = reverse("admin:accounts_apitoken_change", args=[token.pk])
    signed_in(personas["admin"]).post(
        url, {"user": personas["admin"].pk, "name": "script", "revoked_0": "", "revoked_1": ""}
    )
    token.refresh_from_db()
    assert token.user == analyst and token.revoked is not None
    assert authenticate_token(secret) is None


@pytest.mark.django_db
def test_revoking_from_the_admin_takes_effect_at_once_and_is_audited(
    personas: dict[str, User],
) -> None:
    analyst = personas["analyst"]
    token, secret = api_token_create(actor=analyst, user=analyst, name="script")
    assert authenticate_token(secret) == analyst
    signed_in(personas["admin"]).post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert authenticate_token(secret) is None
    [event] = AuditEvent.objects.filter(action="api_token.revoke")
    assert event.actor == personas["admin"] and event.object_id == str(token.pk)


@pytest.mark.django_db
def test_a_token_cannot_be_deleted_in_the_admin_only_revoked(personas: dict[str, User]) -> None:
    analyst = personas["analyst"]
    token, _ = api_token_create(actor=analyst, user=analyst, name="script")
    client = signed_in(personas["admin"])

    page = client.get(reverse("admin:accounts_apitoken_delete", args=[token.pk]))
    bulk = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "delete_selected", "_selected_action": [token.pk], "post": "yes"},
    )

    assert page.status_code == 403
    assert bulk.status_code in (200, 302)
    assert ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.django_db
def test_a_malformed_account_id_on_the_password_page_is_not_found(
    personas: dict[str, User],
) -> None:
    client = signed_in(personas["admin"])

    response = client.get(reverse("admin:auth_user_password_change", args=["abc"]))

    assert response.status_code == 404
