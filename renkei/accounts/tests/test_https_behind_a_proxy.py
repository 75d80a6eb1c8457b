"""Behind a proxy that ends TLS: requests it marks HTTPS are HTTPS to renkei (form posts
from HTTPS pages pass the origin check), and HSTS is sent when configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from renkei.accounts.models import User
from renkei.accounts.tests.personas import PASSWORD

PROXY_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _settings_with(tmp_path: Path, **env: str) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS)"
    )
    unset = ("RENKEI_BEHIND_HTTPS_PROXY", "RENKEI_HSTS_SECONDS")
    environment = {k: v for k, v in os.environ.items() if k not in unset} | {
        "RENKEI_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "renkei.settings", **env,
    }  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_settings_follow_the_environment(tmp_path: Path) -> None:
    assert _settings_with(tmp_path) == "None 0"
    proxied = _settings_with(
        tmp_path, RENKEI_BEHIND_HTTPS_PROXY="true", RENKEI_HSTS_SECONDS="31536000"
    )
    assert proxied == "('HTTP_X_FORWARDED_PROTO', 'https') 31536000"


@pytest.mark.django_db
@override_settings(SECURE_PROXY_SSL_HEADER=PROXY_HEADER, SECURE_HSTS_SECONDS=600)
def test_a_sign_in_posted_from_an_https_page_through_the_proxy_is_taken(
    personas: dict[str, User],
) -> None:
    client = Client(enforce_csrf_checks=True)
    token = get_token(RequestFactory().get("/"))
    client.cookies["csrftoken"] = token
    response = client.post(
        reverse("accounts:login"),
        {"username": "analyst", "password": PASSWORD, "csrfmiddlewaretoken": token},
        HTTP_HOST="testserver", HTTP_ORIGIN="https://testserver", HTTP_X_FORWARDED_PROTO="https",
        HTTP_REFERER="https://testserver/accounts/login/",
    )  # fmt: skip

    assert response.status_code == 302
    assert response["Strict-Transport-Security"] == "max-age=600"
