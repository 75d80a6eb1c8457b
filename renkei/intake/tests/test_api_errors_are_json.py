"""Errors Django answers before any API view runs are JSON under /api/ too."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_host_not_allowed_gets_a_json_400_from_the_api() -> None:
    response = Client().post("/api/reports", "{}", content_type="application/json", HTTP_HOST="Yc4")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "bad request"}


def test_an_unknown_api_path_gets_a_json_404() -> None:
    response = Client().get("/api/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {"detail": "not found"}


def test_an_unknown_console_path_keeps_the_html_404() -> None:
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
