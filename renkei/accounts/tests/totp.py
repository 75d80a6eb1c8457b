"""Codes an authenticator app would show for a device, and one it would not."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def current_code(device: TOTPDevice) -> str:
    now = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0)
    return f"{now:06d}"


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if current_code(device) != "000000" else "111111"
