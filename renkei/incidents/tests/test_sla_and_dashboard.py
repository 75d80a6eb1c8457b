"""SLA cutoffs agree with counting business days; the dashboard shows intake, age and overdue work."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from renkei.accounts.models import User
from renkei.coordination.sla import calendar, local_tz, overdue_cutoff
from renkei.incidents.dashboard import dashboard
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


@settings(max_examples=300, deadline=None)
@given(
    today=st.dates(date(2023, 1, 1), date(2027, 12, 31)),
    days=st.integers(0, 25),
    back=st.integers(0, 60),
)
def test_a_start_is_before_the_cutoff_exactly_when_more_business_days_have_passed(
    today: date, days: int, back: int
) -> None:
    start = today - timedelta(days=back)
    cutoff = overdue_cutoff(today, days)
    start_instant = datetime.combine(start, datetime.min.time(), tzinfo=local_tz()) + timedelta(
        hours=12
    )
    assert (start_instant < cutoff) == (calendar().business_days_between(start, today) > days)


@pytest.mark.django_db
def test_the_dashboard_shows_todays_intake_open_incidents_by_age_and_overdue_work(
    personas: dict[str, User],
) -> None:
    now = datetime.fromisoformat("2025-05-09T15:00:00+09:00")
    ingest(url="https://a.example/x", at="2025-05-09T09:00:00+09:00")
    ingest(url="https://b.example/x", at="2025-05-09T10:00:00+09:00", channel="email")
    ingest(url="https://old.example/x", at="2025-04-01T10:00:00+09:00")

    figures = dashboard(now)

    assert figures.today_total == 2
    phishing = next(row for row in figures.open_by_category if row["category"] == "phishing")
    assert (phishing["total"], phishing["0-3"], phishing["11+"]) == (3, 2, 1)
    overdue = next(row for row in figures.overdue_by_category if row["category"] == "phishing")
    assert overdue["notification"] == 1 and figures.overdue_total == 1
    assert figures.quarter["reports"] >= 0
    page = signed_in(personas["analyst"]).get(reverse("dashboard")).content.decode()
    assert 'id="open-by-age"' in page and 'href="/reports/"' in page
    assert signed_in(personas["outsider"]).get(reverse("dashboard")).status_code == 403
