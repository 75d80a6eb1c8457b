"""A resolution learned later is recorded at the time it happened (the incident page
offers the time), never in the future nor before the incident's first report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from renkei.accounts.models import User
from renkei.coordination.models import Resolution
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


@pytest.mark.django_db
def test_the_incident_page_offers_the_time_of_the_resolution(personas: dict[str, User]) -> None:
    incident = ingest(url="https://example.com/x", at="2025-04-01T10:00:00+09:00").incident
    page = signed_in(personas["analyst"]).get(reverse("incidents:detail", args=[incident.ref]))
    html = page.content.decode()
    form = html[
        html.index('id="resolve-form"') : html.index("</form>", html.index('id="resolve-form"'))
    ]
    assert 'type="datetime-local" name="resolved_at"' in form
    assert 'min="2025-04-01T10:00"' in form


@pytest.mark.django_db
@pytest.mark.parametrize(
    "when",
    [
        "2025-03-31T09:00",  # before the first report
        (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),  # future
    ],
)
def test_a_resolution_time_in_the_future_or_before_the_first_report_is_refused(
    personas: dict[str, User], when: str
) -> None:
    incident = ingest(url="https://example.com/x", at="2025-04-01T10:00:00+09:00").incident
    client = signed_in(personas["coordinator"])
    response = client.post(
        reverse("coordination:resolve", args=[incident.ref]), {"resolved_at": when}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "open" and not Resolution.objects.exists()


@pytest.mark.django_db
def test_a_resolution_without_a_time_is_recorded_now(personas: dict[str, User]) -> None:
    incident = ingest(url="https://example.com/x").incident
    before = timezone.now()
    signed_in(personas["coordinator"]).post(
        reverse("coordination:resolve", args=[incident.ref]), {"resolved_at": ""}
    )
    assert before <= Resolution.objects.get(incident=incident).resolved_at <= timezone.now()


@pytest.mark.django_db
def test_the_earliest_minute_the_page_offers_is_accepted(personas: dict[str, User]) -> None:
    incident = ingest(url="https://example.com/x", at="2025-04-01T10:00:37+09:00").incident

    signed_in(personas["coordinator"]).post(
        reverse("coordination:resolve", args=[incident.ref]), {"resolved_at": "2025-04-01T10:00"}
    )

    resolution = Resolution.objects.get(incident=incident)
    assert resolution.resolved_at == incident.first_report_at  # not before its first report
