"""A FAX or telephone report typed in needs something to act on and a received-at
time that is not a typo for a later year; otherwise the form says so and nothing is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from renkei.accounts.models import User
from renkei.incidents.models import Incident
from renkei.incidents.tests.helpers import signed_in
from renkei.intake.models import RawReport, Report

# What the form posts when only the channel, the time and the caller were filled in.
EMPTY = dict.fromkeys(("category", "url", "ip", "ports", "brand", "text"), "")


def _form(**extra: object) -> dict[str, object]:
    return {"channel": "phone", "received_at": "2025-04-02T09:30", "reporter": "ABC Bank"} | {
        **EMPTY,
        **extra,
    }


def _nothing_stored() -> bool:
    return not (Report.objects.exists() or Incident.objects.exists() or RawReport.objects.exists())


@pytest.mark.django_db
def test_an_empty_entry_is_refused_with_a_form_error(personas: dict[str, User]) -> None:
    response = signed_in(personas["analyst"]).post(reverse("incidents:manual"), _form(text="  "))

    assert response.status_code == 200
    assert "URL、IP アドレス、報告内容のうち少なくとも一つを入力してください。" in (
        response.content.decode()
    )
    assert _nothing_stored()


@pytest.mark.django_db
def test_a_received_at_time_years_ahead_is_refused_with_a_form_error(
    personas: dict[str, User],
) -> None:
    response = signed_in(personas["analyst"]).post(
        reverse("incidents:manual"), _form(received_at="2062-04-02T09:30", ip="192.0.2.1")
    )

    assert response.status_code == 200
    assert "受付日時 2062-04-02 09:30 が未来になっています。" in response.content.decode()
    assert _nothing_stored()


@pytest.mark.django_db
def test_a_received_at_time_a_few_hours_ahead_is_accepted(personas: dict[str, User]) -> None:
    # A clock a little fast, or a time zone mixed up, is not worth refusing a report.
    soon = timezone.localtime(timezone.now() + timedelta(hours=3))
    response = signed_in(personas["analyst"]).post(
        reverse("incidents:manual"),
        _form(received_at=f"{soon:%Y-%m-%dT%H:%M}", text="A caller read out a phishing URL."),
    )

    assert response.status_code == 302
    assert Report.objects.get(channel="phone").text == "A caller read out a phishing URL."
