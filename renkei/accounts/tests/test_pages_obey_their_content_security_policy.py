"""Each page's markup keeps to the Content-Security-Policy it is sent with.

No inline script, event handler or style: the browser would drop them, and
the page would be silently broken (the quarterly report's layout was).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import User
from renkei.csp import POLICY
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in

pytestmark = pytest.mark.django_db
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
HOSTILE = '"><script>alert(1)</script>'


def _staff_pages(ref: str) -> list[str]:
    return [
        reverse("dashboard"), reverse("incidents:queue"), reverse("incidents:manual"),
        reverse("incidents:detail", args=[ref]), reverse("incidents:merge", args=[ref]),
        reverse("incidents:split", args=[ref]), reverse("coordination:notify", args=[ref]),
        reverse("coordination:contacts"), reverse("coordination:contact_new"),
        reverse("coordination:templates"), reverse("coordination:sla_targets"),
        reverse("reports:index"), reverse("accounts:tokens"), reverse("accounts:2fa_setup"),
        reverse("intake:upload"),
    ]  # fmt: skip


def _check(response: object, url: str) -> str:
    policy = response.headers["Content-Security-Policy"]  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    script = INLINE_SCRIPT.search(html)
    assert not script, (url, html[max(0, script.start() - 200) : script.end() + 100])
    style = INLINE_STYLE.search(html)
    assert not style, (url, html[max(0, style.start() - 200) : style.end() + 100])
    return policy  # type: ignore[no-any-return]


def test_console_pages_have_no_inline_scripts_or_styles(personas: dict[str, User]) -> None:
    ref = ingest(url="https://csp.example/login", at="2025-04-01T10:00:00+09:00").incident.ref
    client = signed_in(personas["admin"])

    for url in _staff_pages(ref):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _check(response, url) == POLICY, url


def test_public_pages_have_no_inline_scripts_or_styles(client: Client) -> None:
    for url in ["/submit/", "/accounts/login/", "/accounts/password-reset/", "/no-such-page/"]:
        response = client.get(url)
        assert response["Content-Type"].startswith("text/html"), url
        assert _check(response, url) == POLICY, url


@pytest.mark.usefixtures("fresh_rate_limits")
def test_a_rejected_submission_shown_again_carries_the_policy(client: Client) -> None:
    response = client.post(
        "/submit/", {"category": "phishing", "url": HOSTILE, "description": HOSTILE, "website": ""}
    )

    assert HOSTILE not in response.content.decode()
    assert _check(response, "/submit/") == POLICY


def test_api_answers_are_json_without_a_page_policy(client: Client) -> None:
    response = client.get("/api/openapi.json")

    assert response["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in response.headers


def test_the_quarterly_report_takes_its_layout_from_a_stylesheet_of_our_own(
    personas: dict[str, User],
) -> None:
    ingest(url="https://csp.example/login", at="2025-04-01T10:00:00+09:00")
    url = reverse("reports:quarterly", args=["2025-04"])
    client = signed_in(personas["analyst"])

    response = client.get(url)

    assert response.status_code == 200
    assert _check(response, url) == POLICY
    assert f'<link rel="stylesheet" href="{reverse("reports:style")}">' in response.content.decode()
    css = client.get(reverse("reports:style"))
    assert css["Content-Type"].startswith("text/css")
    assert ".renkei-report table.figures" in css.content.decode()
    assert "Noto Sans CJK JP" in css.content.decode()  # the font stack, filled in
