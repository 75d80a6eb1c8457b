"""A host name longer than DNS allows (253 characters, 63 a label) is refused with a reason.

It cannot be a real site, and it would not fit `Report.host` on PostgreSQL:
the import line, the form field and the API call say why instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from renkei.accounts.models import User
from renkei.intake.models import Report
from renkei.intake.tests.helpers import import_objects, report
from renkei.intake.tests.receiving import api_post
from renkei.lib.errors import NormalizationError
from renkei.lib.normalize import normalize_url

LONG_LABEL = "http://" + "a" * 300 + ".example.com/"
LONG_NAME = "http://" + ".".join(["abcdefghij"] * 30) + ".com/x"  # 333 characters


@pytest.mark.parametrize("url", [LONG_LABEL, LONG_NAME, "hxxp://" + "a" * 64 + "[.]example/"])
def test_normalizing_refuses_a_host_dns_could_not_hold(url: str) -> None:
    with pytest.raises(NormalizationError, match="not a valid host name"):
        normalize_url(url)


def test_the_longest_names_dns_allows_are_accepted() -> None:
    label = "a" * 63
    host = ".".join([label, label, label, "b" * 61])  # 253 characters

    assert normalize_url(f"https://{host}/").host == host
    assert normalize_url(f"https://{host.upper()}:8443/").host == host


@pytest.mark.django_db
def test_an_import_line_with_such_a_host_is_rejected_and_the_others_imported(
    tmp_path: Path,
) -> None:
    summary = import_objects(tmp_path, [
        report("long", "2025-04-01T10:00:00Z", category="phishing", url=LONG_LABEL),
        report("good", "2025-04-01T10:00:00Z", category="phishing", url="https://a.example/"),
    ])  # fmt: skip

    assert list(Report.objects.values_list("ref", flat=True)) == ["good"]
    assert "longer than 253 characters" in dict(summary.rejected)[1]


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_rate_limits")
def test_the_public_form_shows_it_as_an_error_of_the_url_field(client: Client) -> None:
    response = client.post(
        "/submit/", {"category": "phishing", "url": LONG_NAME, "description": "x"},
        REMOTE_ADDR="192.0.2.10", HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip

    assert response.status_code == 200
    assert response.context["form"].errors["url"] == ["This is not a URL we can read."]
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_the_api_answers_422_with_the_reason(client: Client, personas: dict[str, User]) -> None:
    body = {"ref": "a11", "category": "phishing", "url": LONG_LABEL}

    response = api_post(client, personas["analyst"], "/reports", body)

    assert response.status_code == 422
    assert "longer than 253 characters" in response.json()["detail"]
