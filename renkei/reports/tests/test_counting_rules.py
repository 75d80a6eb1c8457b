"""Each counting rule of the quarterly report, on a few hand-made records."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from renkei.reports.figures import quarterly_figures
from renkei.reports.periods import Month, Quarter, report_tz
from renkei.reports.tests import records

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
Q = Quarter.parse("2023-04")


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def _category(figures: dict, name: str, section: str = "categories") -> dict:
    return next(row for row in figures[section] if row["category"] == name)


def test_merged_incidents_are_not_counted() -> None:
    kept = records.incident("phishing", jst(2023, 4, 3, 10))
    records.incident("phishing", jst(2023, 4, 4, 10), merged_into=kept, status="merged")
    records.incident("phishing", jst(2023, 4, 5, 10), status="merged")

    figures = quarterly_figures(Q)

    assert figures["totals"]["incidents"]["months"] == [1, 0, 0]
    assert figures["totals"]["reports"]["months"] == [3, 0, 0]  # reports still count
    assert figures["phishing_brands"]["origins"][2]["total"] == 1


def test_an_incident_counts_in_the_month_of_its_first_report_only() -> None:
    incident = records.incident("scan", jst(2023, 4, 28, 9))
    records.report(jst(2023, 5, 2, 9), incident)

    figures = quarterly_figures(Q)

    assert figures["totals"]["incidents"]["months"] == [1, 0, 0]
    assert figures["totals"]["reports"]["months"] == [1, 1, 0]


def test_coordinations_are_notifications_sent_in_the_month_whatever_the_incident() -> None:
    old = records.incident("phishing", jst(2023, 3, 20, 9))
    records.notify(old, jst(2023, 4, 1, 0, 0))
    records.notify(old, jst(2023, 4, 2, 0, 0))
    records.notify(old, jst(2023, 4, 3, 0, 0), status="failed")

    figures = quarterly_figures(Q)

    assert figures["totals"]["coordinations"]["months"] == [2, 0, 0]
    # Figure 8 is about the quarter's own incidents; this one is from March.
    assert _category(figures, "phishing", "coordination_by_category")["notifications"] == 0


def test_figure_8_counts_notifications_and_shares_by_recipient_country() -> None:
    first = records.incident("defacement", jst(2023, 4, 10, 9))
    second = records.incident("defacement", jst(2023, 5, 10, 9))
    records.notify(first, jst(2023, 4, 10, 12), country="JP", basis="site_confirmed")
    records.notify(first, jst(2023, 4, 11, 12), country="US")
    records.notify(second, jst(2023, 5, 10, 12), country="US", basis="site_confirmed")

    row = _category(quarterly_figures(Q), "defacement", "coordination_by_category")

    assert (row["incidents"], row["notified_incidents"], row["notifications"]) == (2, 2, 3)
    assert (row["domestic_pct"], row["overseas_pct"]) == (33, 67)
    assert row["notified_bases"] == {"site_confirmed": 2}


def test_domestic_and_overseas_shares_are_each_rounded_half_up() -> None:
    incident = records.incident("defacement", jst(2023, 4, 10, 9))
    for hour, country in enumerate(["JP", *["US"] * 7]):
        records.notify(incident, jst(2023, 4, 10, 10 + hour), country=country)

    row = _category(quarterly_figures(Q), "defacement", "coordination_by_category")

    assert (row["domestic_pct"], row["overseas_pct"]) == (13, 88)  # 12.5 % and 87.5 %


def test_the_basis_is_that_of_the_first_notification_which_records_one() -> None:
    incident = records.incident("scan", jst(2023, 4, 10, 9))
    records.notify(incident, jst(2023, 4, 10, 10))
    records.notify(incident, jst(2023, 4, 11, 10), basis="detailed_logs")
    records.notify(incident, jst(2023, 4, 12, 10), basis="contact_requested")

    row = _category(quarterly_figures(Q), "scan", "coordination_by_category")

    assert row["notified_bases"] == {"detailed_logs": 1}


def test_not_notified_counts_incidents_by_their_latest_reason_when_never_notified() -> None:
    decided_twice = records.incident("malware_site", jst(2023, 4, 10, 9))
    records.decide(decided_twice, jst(2023, 4, 10, 10), "site_unreachable")
    records.decide(decided_twice, jst(2023, 4, 12, 10), "already_notified")
    later_notified = records.incident("malware_site", jst(2023, 4, 11, 9))
    records.decide(later_notified, jst(2023, 4, 11, 10), "low_threat")
    records.notify(later_notified, jst(2023, 4, 20, 10))

    row = _category(quarterly_figures(Q), "malware_site", "coordination_by_category")

    assert row["not_notified"] == 1
    assert row["not_notified_reasons"] == {"already_notified": 1}
    assert row["notified_incidents"] == 1


def test_figure_8_is_as_of_the_end_of_the_quarter() -> None:
    incident = records.incident("other", jst(2023, 6, 30, 22))
    records.notify(incident, jst(2023, 7, 1, 9))
    records.decide(
        records.incident("other", jst(2023, 6, 30, 23)), jst(2023, 7, 3, 9), "low_threat"
    )

    row = _category(quarterly_figures(Q), "other", "coordination_by_category")

    assert (row["incidents"], row["notified_incidents"], row["not_notified"]) == (2, 0, 0)


def test_handling_days_count_business_days_from_first_notification_to_resolution() -> None:
    # Friday 28 April 2023 -> Golden Week: 1, 2 May are business days, 3-5 May holidays.
    cases = [
        (jst(2023, 4, 28, 17), jst(2023, 5, 2, 9)),  # 2 days -> 0-3
        (jst(2023, 4, 28, 17), jst(2023, 5, 8, 9)),  # 1, 2, 8 May: 3 -> 0-3
        (jst(2023, 4, 28, 17), jst(2023, 5, 9, 9)),  # 4 -> 4-7
        (jst(2023, 4, 28, 17), jst(2023, 5, 15, 9)),  # 8 -> 8-10
        (jst(2023, 4, 28, 17), jst(2023, 5, 18, 9)),  # 11 -> 11+
    ]
    for sent, resolved in cases:
        incident = records.incident("phishing", jst(2023, 4, 28, 9))
        records.notify(incident, sent)
        records.notify(incident, sent.replace(hour=18))  # later notifications do not restart it
        records.resolve(incident, resolved)

    row = _category(quarterly_figures(Q), "phishing", "coordination_by_category")

    assert row["handling_days_pct"] == {"0-3": 40, "4-7": 20, "8-10": 20, "11+": 20}


def test_an_unresolved_incident_counts_to_the_end_of_the_quarter() -> None:
    open_one = records.incident("dos", jst(2023, 6, 26, 9))  # Monday
    records.notify(open_one, jst(2023, 6, 26, 10))  # 27..30 June: 4 business days
    resolved_late = records.incident("dos", jst(2023, 6, 29, 9))
    records.notify(resolved_late, jst(2023, 6, 29, 10))
    records.resolve(resolved_late, jst(2023, 7, 20, 10))  # after the quarter: to 30 June, 1 day

    row = _category(quarterly_figures(Q), "dos", "coordination_by_category")

    assert row["handling_days_pct"] == {"0-3": 50, "4-7": 50, "8-10": 0, "11+": 0}


def test_in_a_quarter_not_over_yet_an_unresolved_incident_counts_only_to_today() -> None:
    # The report is printed on Thursday 11 May 2023, mid-quarter.
    printed = jst(2023, 5, 11, 12)
    open_one = records.incident("scan", jst(2023, 5, 10, 9))
    records.notify(open_one, jst(2023, 5, 10, 10))  # 1 business day so far, not 35 to 30 June

    row = _category(quarterly_figures(Q, as_of=printed), "scan", "coordination_by_category")

    assert row["handling_days_pct"] == {"0-3": 100, "4-7": 0, "8-10": 0, "11+": 0}


def test_the_current_quarter_is_reported_as_of_now() -> None:
    now = timezone.now()
    current = Quarter.parse(str(Month.of(now - timedelta(hours=1), report_tz())))
    open_one = records.incident("scan", now - timedelta(minutes=30))
    records.notify(open_one, now - timedelta(minutes=20))

    row = _category(quarterly_figures(current), "scan", "coordination_by_category")

    assert row["handling_days_pct"]["0-3"] == 100


def test_a_resolution_in_the_local_small_hours_counts_on_its_local_date() -> None:
    incident = records.incident("ics", jst(2023, 4, 3, 9))
    records.notify(incident, jst(2023, 4, 3, 10))  # Monday
    # 2023-04-06T15:30Z is Friday 7 April 00:30 in Tokyo: 4 business days, not 3.
    records.resolve(incident, datetime(2023, 4, 6, 15, 30, tzinfo=ZoneInfo("UTC")))

    row = _category(quarterly_figures(Q), "ics", "coordination_by_category")

    assert row["handling_days_pct"]["4-7"] == 100


def test_categories_are_all_listed_in_order_even_when_empty() -> None:
    figures = quarterly_figures(Q)

    expected = ["phishing", "defacement", "malware_site", "scan", "dos", "ics",
                "targeted_attack", "other"]  # fmt: skip
    assert [row["category"] for row in figures["categories"]] == expected
    assert [row["category"] for row in figures["coordination_by_category"]] == expected
    assert [row["origin"] for row in figures["phishing_brands"]["origins"]] == [
        "domestic", "overseas", "unknown",
    ]  # fmt: skip
    assert figures["categories"][0]["change_vs_previous_quarter_pct"] is None
    assert figures["coordination_by_category"][0]["handling_days_pct"] == {
        "0-3": 0, "4-7": 0, "8-10": 0, "11+": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("closure", "bucket"),
    [
        ("12-29..01-03", "0-3"),  # 29 Dec, 2 and 3 Jan closed: only 4 Jan counts, 1 day
        ("none", "4-7"),  # 29 Dec, 2, 3 and 4 Jan: 4 days (1 Jan is a holiday)
    ],
)
def test_the_year_end_closure_is_the_installations_setting(
    closure: str, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.conf import settings

    from renkei.lib.env import envclosure

    monkeypatch.setenv("RENKEI_YEAR_END_CLOSURE", closure)
    monkeypatch.setattr(
        settings, "RENKEI_YEAR_END_CLOSURE", envclosure("RENKEI_YEAR_END_CLOSURE", "")
    )
    incident = records.incident("phishing", jst(2023, 12, 27, 9))
    records.notify(incident, jst(2023, 12, 28, 10))  # Thursday
    records.resolve(incident, jst(2024, 1, 4, 10))  # Thursday

    figures = quarterly_figures(Quarter.parse("2023-12"))

    row = _category(figures, "phishing", "coordination_by_category")
    assert row["handling_days_pct"][bucket] == 100


def test_an_incident_resolved_before_its_first_notification_took_no_handling_days() -> None:
    # The site was found down on Monday; the notification had gone out on Tuesday anyway.
    early = records.incident("phishing", jst(2023, 5, 8, 9))
    records.resolve(early, jst(2023, 5, 8, 10))
    records.notify(early, jst(2023, 5, 9, 10))

    row = _category(quarterly_figures(Q), "phishing", "coordination_by_category")

    assert row["handling_days_pct"] == {"0-3": 100, "4-7": 0, "8-10": 0, "11+": 0}


def test_an_incident_back_after_its_resolution_counts_to_its_resolution_after_the_notification() -> (
    None
):
    # Down on Monday 8 May, back and notified on Tuesday, taken down again on Thursday 18 May.
    back = records.incident("phishing", jst(2023, 5, 8, 9))
    records.resolve(back, jst(2023, 5, 8, 10))
    records.notify(back, jst(2023, 5, 9, 10))
    records.resolve(back, jst(2023, 5, 18, 10))  # 10-12, 15-18 May: 7 business days

    row = _category(quarterly_figures(Q), "phishing", "coordination_by_category")

    assert row["handling_days_pct"] == {"0-3": 0, "4-7": 100, "8-10": 0, "11+": 0}
