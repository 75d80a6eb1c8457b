"""The split page lists report times in the installation's time zone, as every other page does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def test_a_report_received_just_after_midnight_in_tokyo_shows_that_day(
    personas: dict[str, User],
) -> None:
    incident = ingest(url="https://a.example/login", at="2025-04-01T00:30:00+09:00").incident

    page = signed_in(personas["analyst"]).get(reverse("incidents:split", args=[incident.ref]))

    text = page.content.decode()
    assert "2025-04-01 00:30 https://a.example/login" in text
    assert "2025-03-31 15:30" not in text
