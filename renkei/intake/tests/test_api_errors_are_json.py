"""Errors under /api/ are JSON, say why, and keep what was refused."""

from __future__ import annotations

import pytest
from django.test import Client

from renkei.accounts.models import User
from renkei.accounts.services import api_token_create
from renkei.intake.models import RawReport

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


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b'{"category": "scan",', "the body is not JSON: Expecting property name"),
        ('{"text": "不審なメール"}'.encode("shift_jis"), "the body is not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "the body's JSON nests too deeply"),
        # Parsers keep the last of two equal keys silently: the first URL would be lost.
        (
            b'{"url": "https://a.example/", "url": "https://b.example/"}',
            'the body\'s JSON has the key "url" twice',
        ),
        (
            b'{"reports": [{"ref": "1", "extra": {"k": 1, "k": 2}}]}',
            'the body\'s JSON has the key "k" twice',
        ),
    ],
)
def test_an_unreadable_body_is_refused_saying_why_and_kept(
    client: Client, personas: dict[str, User], body: bytes, said: str
) -> None:
    token = api_token_create(actor=personas["analyst"], user=personas["analyst"], name="t")[1]

    response = client.post(
        "/api/reports", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["detail"].startswith(said)
    kept = RawReport.objects.get(channel="api")
    assert bytes(kept.content) == body and said in kept.error
