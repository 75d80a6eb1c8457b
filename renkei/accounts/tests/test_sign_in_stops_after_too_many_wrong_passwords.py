"""Guessing passwords: after too many wrong ones, sign-in is refused for a while.

RENKEI_LOGIN_MAX_FAILURES counts per client address, RENKEI_LOGIN_MAX_ACCOUNT_FAILURES
per user name from all addresses together.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import User
from renkei.accounts.tests.personas import PASSWORD

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")


@pytest.fixture(autouse=True)
def three_failures_allowed(settings: Any) -> None:
    settings.RENKEI_LOGIN_MAX_FAILURES = 3
    settings.RENKEI_LOGIN_MAX_ACCOUNT_FAILURES = 6


def _sign_in(username: str, password: str, *, address: str, path: str = "") -> Any:
    url = path or reverse("accounts:login")
    return Client(REMOTE_ADDR=address).post(url, {"username": username, "password": password})


def _signed_in(response: Any) -> bool:
    return response.status_code == 302


@pytest.mark.django_db
def test_the_right_password_is_refused_once_an_account_had_too_many_wrong_ones(
    personas: dict[str, User],
) -> None:
    for n in range(6):
        assert not _signed_in(_sign_in("analyst", f"guess {n}", address=f"192.0.2.{n}"))
    refused = _sign_in("analyst", PASSWORD, address="198.51.100.7")
    assert not _signed_in(refused)
    [why] = refused.context["form"].non_field_errors().as_data()
    assert why.code == "locked"
    assert _signed_in(_sign_in("coordinator", PASSWORD, address="198.51.100.7"))


@pytest.mark.django_db
def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_of_their_account(
    personas: dict[str, User],
) -> None:
    for n in range(5):
        _sign_in("coordinator", f"guess {n}", address="192.0.2.66")
    assert not _signed_in(_sign_in("coordinator", PASSWORD, address="192.0.2.66"))
    assert _signed_in(_sign_in("coordinator", PASSWORD, address="198.51.100.7"))


@pytest.mark.django_db
def test_one_address_guessing_many_accounts_is_stopped(personas: dict[str, User]) -> None:
    for name in ("admin", "analyst", "nobody"):
        _sign_in(name, "guess", address="192.0.2.66")
    assert not _signed_in(_sign_in("coordinator", PASSWORD, address="192.0.2.66"))
    assert _signed_in(_sign_in("coordinator", PASSWORD, address="198.51.100.7"))


@pytest.mark.django_db
def test_fewer_wrong_passwords_than_the_limit_do_not_lock_anyone_out(
    personas: dict[str, User],
) -> None:
    for n in range(2):
        _sign_in("analyst", f"guess {n}", address="192.0.2.1")
    assert _signed_in(_sign_in("analyst", PASSWORD, address="192.0.2.1"))


@pytest.mark.django_db
def test_the_admin_sign_in_page_is_throttled_as_well(personas: dict[str, User]) -> None:
    admin_login = reverse("admin:login")
    for n in range(6):
        _sign_in("admin", f"guess {n}", address=f"192.0.2.{n}", path=admin_login)
    assert not _signed_in(_sign_in("admin", PASSWORD, address="198.51.100.7", path=admin_login))
    assert not _signed_in(_sign_in("admin", PASSWORD, address="198.51.100.7"))
