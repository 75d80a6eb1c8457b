"""After a wrong code django-otp refuses even right codes for a while: the page says so."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from renkei.accounts.models import User
from renkei.accounts.tests.totp import current_code, wrong_code
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_a_right_code_right_after_a_wrong_one_is_answered_with_how_long_to_wait(
    personas: dict[str, User],
) -> None:
    device = TOTPDevice.objects.create(user=personas["analyst"], name="app", confirmed=True)
    client = signed_in(personas["analyst"])
    url = reverse("accounts:2fa_verify")
    client.post(url, {"token": wrong_code(device)})
    device.refresh_from_db()
    [why] = client.post(url, {"token": current_code(device)}).context["form"].errors["token"]
    assert "Wait" in why or "待って" in why
    assert "not valid" not in why


@pytest.mark.django_db
def test_enrolment_says_how_long_to_wait_after_a_wrong_code(personas: dict[str, User]) -> None:
    client = signed_in(personas["coordinator"])
    url = reverse("accounts:2fa_setup")
    client.get(url)
    device = TOTPDevice.objects.get(user=personas["coordinator"], confirmed=False)
    client.post(url, {"token": wrong_code(device)})
    [why] = client.post(url, {"token": current_code(device)}).context["form"].errors["token"]
    assert "Wait" in why or "待って" in why
