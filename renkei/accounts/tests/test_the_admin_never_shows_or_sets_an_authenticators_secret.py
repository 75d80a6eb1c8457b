"""The admin site shows who has an authenticator and can remove one (a lost phone), audited;
it never shows an authenticator's secret or makes one (django-otp's own admin did both)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from renkei.accounts.models import AuditEvent, User
from renkei.incidents.tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_the_secret_is_not_on_the_list_or_the_device_page(personas: dict[str, User]) -> None:
    device = _device(personas["analyst"])
    client = signed_in(personas["admin"])

    pages = [
        client.get(reverse("admin:otp_totp_totpdevice_changelist")),
        client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])),
    ]

    assert [page.status_code for page in pages] == [200, 200]
    for page in pages:
        text = page.content.decode()
        assert device.key not in text and "qrcode" not in text
    assert "phone" in pages[1].content.decode()


def test_an_administrator_cannot_make_or_change_an_authenticator(
    personas: dict[str, User],
) -> None:
    device = _device(personas["analyst"])
    client = signed_in(personas["admin"])
    chosen = "3132333435363738393031323334353637383930"

    added = client.post(
        reverse("admin:otp_totp_totpdevice_add"),
        {"user": personas["analyst"].pk, "name": "mine", "key": chosen, "confirmed": "on"},
    )
    changed = client.post(
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        {"user": personas["analyst"].pk, "name": "phone", "key": chosen, "confirmed": "on"},
    )

    assert added.status_code == changed.status_code == 403
    assert list(TOTPDevice.objects.values_list("key", flat=True)) == [device.key]


def test_removing_an_authenticator_is_audited(personas: dict[str, User]) -> None:
    device = _device(personas["analyst"])
    client = signed_in(personas["admin"])

    response = client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )

    assert response.status_code == 302 and not TOTPDevice.objects.exists()
    [event] = AuditEvent.objects.filter(action="user.2fa_remove")
    assert (event.actor, event.object_id) == (personas["admin"], str(personas["analyst"].pk))
    assert event.before == {"device": device.pk, "name": "phone"}


def test_the_list_cannot_be_filtered_by_the_secret(personas: dict[str, User]) -> None:
    device = _device(personas["analyst"])
    client = signed_in(personas["admin"])
    changelist = reverse("admin:otp_totp_totpdevice_changelist")

    for guess in (device.key[:1], "not-a-prefix"):
        page = client.get(changelist, {"key__startswith": guess})
        assert page.status_code == 302 or "phone" not in page.content.decode()
