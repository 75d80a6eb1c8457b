"""TOTP two-factor authentication: enrolment with a QR code, verification, enforcement."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from renkei.accounts.models import AuditEvent, User
from renkei.accounts.tests.totp import current_code, wrong_code
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_a_staff_member_enrols_by_scanning_the_qr_code_and_confirming_a_code(
    personas: dict[str, User],
) -> None:
    client = signed_in(personas["analyst"])
    page = client.get(reverse("accounts:2fa_setup")).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    device = TOTPDevice.objects.get(user=personas["analyst"], confirmed=False)

    wrong = client.post(
        reverse("accounts:2fa_setup"),
        {"token": wrong_code(device)},
    )
    assert wrong.status_code == 200
    # django-otp throttles after a wrong code; a person would wait, the test resets it.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    ok = client.post(
        reverse("accounts:2fa_setup") + "?next=/incidents/", {"token": current_code(device)}
    )

    assert ok.status_code == 302 and ok["Location"] == "/incidents/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert AuditEvent.objects.filter(action="user.2fa_enrol", actor=personas["analyst"]).exists()


@pytest.mark.django_db
def test_someone_with_an_authenticator_must_give_a_code_after_the_password(
    personas: dict[str, User],
) -> None:
    device = TOTPDevice.objects.create(user=personas["analyst"], name="app", confirmed=True)
    client = signed_in(personas["analyst"])

    blocked = client.get(reverse("incidents:queue"))
    assert blocked.status_code == 302 and blocked["Location"].startswith(
        reverse("accounts:2fa_verify")
    )
    device.refresh_from_db()
    client.post(blocked["Location"], {"token": current_code(device)})
    assert client.get(reverse("incidents:queue")).status_code == 200


@pytest.mark.django_db
def test_with_two_factor_required_staff_without_an_authenticator_are_sent_to_enrol(
    personas: dict[str, User], settings: Any
) -> None:
    settings.RENKEI_REQUIRE_2FA = True
    response = signed_in(personas["coordinator"]).get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:2fa_setup")
    )


@pytest.mark.django_db
def test_without_the_requirement_staff_may_work_without_an_authenticator(
    personas: dict[str, User],
) -> None:
    assert signed_in(personas["coordinator"]).get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db
def test_the_outsider_still_cannot_open_staff_pages_after_enrolling(
    personas: dict[str, User],
) -> None:
    client = signed_in(personas["outsider"])
    client.get(reverse("accounts:2fa_setup"))
    device = TOTPDevice.objects.get(user=personas["outsider"])
    client.post(reverse("accounts:2fa_setup"), {"token": current_code(device)})
    assert client.get(reverse("dashboard")).status_code == 403


@pytest.mark.django_db
def test_wrong_codes_after_the_right_password_are_audited_throttled_or_not(
    personas: dict[str, User],
) -> None:
    device = TOTPDevice.objects.create(user=personas["analyst"], name="app", confirmed=True)
    client = Client(REMOTE_ADDR="192.0.2.77")
    client.force_login(personas["analyst"])
    wrong = wrong_code(device)

    first = client.post(reverse("accounts:2fa_verify"), {"token": wrong})
    second = client.post(reverse("accounts:2fa_verify"), {"token": wrong})  # django-otp: wait

    assert first.status_code == second.status_code == 200
    events = AuditEvent.objects.filter(action="user.2fa_failed").order_by("id")
    assert [(e.actor, e.object_id) for e in events] == [
        (personas["analyst"], str(personas["analyst"].pk))
    ] * 2
    assert [e.after for e in events] == [
        {"address": "192.0.2.77", "throttled": False},
        {"address": "192.0.2.77", "throttled": True},
    ]
    assert wrong not in str([e.after for e in events])


@pytest.mark.django_db
def test_a_wrong_code_while_enrolling_is_audited_too(personas: dict[str, User]) -> None:
    client = signed_in(personas["analyst"])
    client.get(reverse("accounts:2fa_setup"))
    device = TOTPDevice.objects.get(user=personas["analyst"], confirmed=False)

    client.post(
        reverse("accounts:2fa_setup"),
        {"token": wrong_code(device)},
    )

    assert (
        AuditEvent.objects.filter(action="user.2fa_failed", actor=personas["analyst"]).count() == 1
    )
