"""Pages a stranger can reach forbid scripts from anywhere but our own origin.

They show what strangers typed (the form's values after an error, the
tracking page), so a slip in escaping must still not run anything.
"""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]
HOSTILE = '"><script>alert(1)</script>'


def _policy(response: object) -> str:
    return response.headers.get("Content-Security-Policy", "")  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", ["/submit/", "/accounts/login/", "/no-such-page/"])
def test_public_pages_allow_scripts_from_our_origin_only(client: Client, url: str) -> None:
    response = client.get(url)

    assert response["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in _policy(response)
    assert "object-src 'none'" in _policy(response)


def test_a_rejected_submission_shown_again_carries_the_policy(client: Client) -> None:
    response = client.post(
        "/submit/", {"category": "phishing", "url": HOSTILE, "description": HOSTILE, "website": ""}
    )

    assert HOSTILE not in response.content.decode()
    assert "script-src 'self'" in _policy(response)


def test_api_answers_are_json_without_a_page_policy(client: Client) -> None:
    response = client.get("/api/openapi.json")

    assert response["Content-Type"].startswith("application/json")
    assert _policy(response) == ""
