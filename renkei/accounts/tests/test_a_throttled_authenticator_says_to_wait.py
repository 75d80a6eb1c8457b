"""After a wrong code django-otp refuses even right codes for a while: the page says so."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from renkei.accounts.models import User
from renkei.incidents.tests.helpers import signed_in


def _code(device: TOTPDevice) -> str:
    now = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0)
    return f"{now:06d}"


def _wrong(device: TOTPDevice) -> str:
    return "000000" if _code(device) != "000000" else "111111"


@pytest.mark.django_db
def test_a_right_code_right_after_a_wrong_one_is_answered_with_how_long_to_wait(
    personas: dict[str, User],
) -> None:
    device = TOTPDevice.objects.create(user=personas["analyst"], name="app", confirmed=True)
    client = signed_in(personas["analyst"])
    url = reverse("accounts:2fa_verify")
    client.post(url, {"token": _wrong(device)})
    device.refresh_from_db()
    [why] = client.post(url, {"token": _code(device)}).context["form"].errors["token"]
    assert "Wait" in why or "待って" in why
    assert "not valid" not in why


@pytest.mark.django_db
def test_enrolment_says_how_long_to_wait_after_a_wrong_code(personas: dict[str, User]) -> None:
    client = signed_in(personas["coordinator"])
    url = reverse("accounts:2fa_setup")
    client.get(url)
    device = TOTPDevice.objects.get(user=personas["coordinator"], confirmed=False)
    client.post(url, {"token": _wrong(device)})
    [why] = client.post(url, {"token": _code(device)}).context["form"].errors["token"]
    assert "Wait" in why or "待って" in why
