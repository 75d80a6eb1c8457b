"""A quarter too far in the past or future for the report's dates is refused, not a 500 or a traceback."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from renkei.accounts.models import User
from renkei.accounts.tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    user.language = "en"  # the console speaks the signed-in person's language
    user.save(update_fields=["language"])
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("start", ["0000-01", "0001-04", "9998-12", "2023-13", "2023/04"])
def test_the_index_answers_400_with_the_reason_for_a_month_it_cannot_report(
    personas: dict[str, User], start: str
) -> None:
    response = _client(personas["analyst"]).get("/reports/", {"start": start})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"  # a Japanese reason reads
    assert "Enter the first month as YYYY-MM, from 1900-01 to 9997-12." in response.content.decode()


@pytest.mark.parametrize("page", ["", "report.json", "report.zip"])
@pytest.mark.parametrize("quarter", ["0000-01", "9998-12"])
def test_a_quarter_page_out_of_range_is_not_found(
    personas: dict[str, User], quarter: str, page: str
) -> None:
    response = _client(personas["analyst"]).get(f"/reports/quarterly/{quarter}/{page}")

    assert response.status_code == 404


def test_a_quarter_in_range_still_opens(personas: dict[str, User]) -> None:
    response = _client(personas["analyst"]).get("/reports/", {"start": "2023-04"})

    assert (response.status_code, response["Location"]) == (302, "/reports/quarterly/2023-04/")


@pytest.mark.parametrize("quarter", ["1900-01", "9997-12"])
def test_the_first_and_last_quarters_allowed_are_reported(
    personas: dict[str, User], quarter: str
) -> None:
    response = _client(personas["analyst"]).get(f"/reports/quarterly/{quarter}/report.json")

    assert response.status_code == 200


@pytest.mark.parametrize("quarter", ["0001-04", "9999-10"])
def test_the_report_command_refuses_a_quarter_out_of_range_saying_which(quarter: str) -> None:
    with pytest.raises(CommandError, match=f"no report for a quarter starting {quarter}"):
        call_command("report", "quarterly", quarter)
