"""A bad query parameter in the queue is named; the other filters still apply."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def scan_and_phishing(db: None) -> tuple[Incident, Incident]:
    scan = ingest(category="scan", ip="192.0.2.1", ports=["22/tcp"]).incident
    return scan, ingest(url="https://a.example/login").incident


def _queue(user: User, query: str, language: str = "en", htmx: bool = False) -> str:
    user.language = language  # the console speaks the signed-in person's language
    user.save(update_fields=["language"])
    headers = {"HX-Request": "true"} if htmx else {}
    response = signed_in(user).get(f"{reverse('incidents:queue')}?{query}", headers=headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ("brand=999999", "Select a valid choice."),
        ("country=JPN", "Ensure this value has at most 2 characters"),
        ("month=2026/09", "Enter a month as YYYY-MM."),
        ("month=2026-13", "Enter a month as YYYY-MM."),
        ("month=0000-01", "Enter a month as YYYY-MM."),
        ("month=9999-12", "Enter a month as YYYY-MM."),
        ("order=sideways", "Select a valid choice."),
    ],
)
def test_one_bad_parameter_is_named_and_the_category_filter_still_applies(
    scan_and_phishing: tuple[Incident, Incident], personas: dict[str, User], bad: str, error: str
) -> None:
    scan, phishing = scan_and_phishing

    page = _queue(personas["analyst"], f"category=scan&{bad}")

    assert error in page
    assert scan.ref in page and phishing.ref not in page


def test_a_bad_category_is_named_escaped_and_the_queue_is_not_filtered_by_it(
    scan_and_phishing: tuple[Incident, Incident], personas: dict[str, User]
) -> None:
    scan, phishing = scan_and_phishing

    page = _queue(personas["analyst"], "category=%3Cb%3Ebogus")

    assert "Select a valid choice. &lt;b&gt;bogus is not one of the available choices." in page
    assert scan.ref in page and phishing.ref in page


def test_the_error_comes_with_the_table_when_htmx_reloads_it_and_in_japanese(
    scan_and_phishing: tuple[Incident, Incident], personas: dict[str, User]
) -> None:
    scan, phishing = scan_and_phishing

    page = _queue(personas["analyst"], "category=scan&month=2026/09", language="ja", htmx=True)

    assert "月: 月は YYYY-MM の形で入力してください。" in page
    assert scan.ref in page and phishing.ref not in page
