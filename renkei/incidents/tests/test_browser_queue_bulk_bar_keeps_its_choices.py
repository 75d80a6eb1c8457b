"""The triage queue's bulk bar in a real Chromium: choosing an action does not reload the table."""

from __future__ import annotations

from typing import Any

import pytest

from renkei.accounts.models import User
from renkei.coordination.tests import test_browser_console as browser
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium, signed in: the console's own browser fixture.
page = browser.page


def _scan(n: int) -> Incident:
    at = f"2025-04-0{n + 1}T10:00:00+09:00"
    return ingest(category="scan", ip=f"192.0.2.{n + 1}", ports=["22/tcp"], at=at).incident


def test_assigning_two_ticked_scans_assigns_them_and_leaves_their_category(
    page: Any, live_server: Any, personas: dict[str, User]
) -> None:
    first, second, third = _scan(1), _scan(2), _scan(3)
    browser._sign_in(page, live_server.url, "analyst")
    page.goto(f"{live_server.url}/incidents/?status=open&category=scan")

    page.check(f"input[name=incidents][value='{first.ref}']")
    page.check(f"input[name=incidents][value='{second.ref}']")
    page.select_option("#bulk-form select[name=action]", "assign")
    page.select_option("#bulk-form select[name=assignee]", label="coordinator")
    # A reload of the table (what a change used to trigger) would have undone these.
    page.wait_for_load_state("networkidle")
    browser.expect(page.locator("#bulk-form select[name=action]")).to_have_value("assign")
    browser.expect(page.locator("input[name=incidents]:checked")).to_have_count(2)
    page.click("#bulk-form button[type=submit]")
    page.wait_for_load_state()

    browser.expect(page.locator(".messages li.success")).to_have_count(1)
    rows = {i.ref: i for i in Incident.objects.select_related("assignee")}
    assert [
        (rows[i.ref].assignee_id, rows[i.ref].category, rows[i.ref].key) for i in (first, second)
    ] == [
        (personas["coordinator"].pk, "scan", first.key),
        (personas["coordinator"].pk, "scan", second.key),
    ]
    assert rows[third.ref].assignee_id is None


def test_choosing_a_category_in_the_filters_still_reloads_the_table(
    page: Any, live_server: Any, personas: dict[str, User]
) -> None:
    _scan(1)
    phishing = ingest(url="https://example.com/login").incident
    browser._sign_in(page, live_server.url, "analyst")
    page.goto(f"{live_server.url}/incidents/")
    browser.expect(page.locator("#queue-table tbody tr")).to_have_count(2)

    page.select_option("#queue-filters select[name=category]", "phishing")

    browser.expect(page.locator("#queue-table tbody tr")).to_have_count(1)
    browser.expect(page.locator("#queue-table tbody")).to_contain_text(phishing.ref)
