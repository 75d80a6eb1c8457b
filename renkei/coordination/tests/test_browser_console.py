"""The console in a real Chromium: the analyst's day, and the doors closed to others.

Screenshots of the main pages go to /tmp/renkei-shots/.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connections

from renkei.accounts.models import User
from renkei.accounts.tests.personas import PASSWORD
from renkei.coordination.directory import contact_save
from renkei.coordination.models import NotificationTemplate
from renkei.coordination.tests.conftest import Keyring, SmtpSink
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp/renkei-shots")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The data migration that fills in the default templates and SLA targets.
_DEFAULTS = importlib.import_module("renkei.coordination.migrations.0003_seed_templates_and_sla")


@pytest.fixture(autouse=True)
def coordination_defaults(transactional_db: None) -> None:
    """What the data migration seeded, again: an earlier live-server test's flush
    removed it. (serialized_rollback restored it instead, but on PostgreSQL that
    clashed with the content types a flush re-creates under new ids.)"""
    _DEFAULTS.seed(django_apps, None)


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="ja-JP")
        yield context.new_page()
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connections
        # (asgiref's context-local storage); close them, or PostgreSQL cannot
        # drop the test database.
        connections.close_all()


def expect(locator: Any) -> Any:
    # Locator assertions run in Playwright's own world: the console's CSP forbids eval.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_analyst_finds_merges_notifies_resolves_and_sees_the_audit_trail(
    page: Any,
    live_server: Any,
    personas: dict[str, User],
    smtp_server: SmtpSink,
    center_key: Keyring,
) -> None:
    base = live_server.url
    target = ingest(
        url="https://example.com/login",
        brand="Example Bank",
        at="2025-04-01T10:00:00+09:00",
        text="SMS で届いた偽ログインページ",
    ).incident
    duplicate = ingest(
        url="https://example.com/login", at="2025-06-20T10:00:00+09:00"
    ).incident  # outside the window
    for n in range(3):
        ingest(
            category="scan",
            ip=f"192.0.2.{n + 1}",
            ports=["22/tcp", "23/tcp"],
            at=f"2025-04-0{n + 2}T10:00:00+09:00",
        )
    contact_save(
        actor=personas["admin"],
        contact=None,
        data={
            "organisation": "Example Hosting KK",
            "email": "abuse@hosting.example",
            "country": "JP",
            "language": "ja",
        },
    )
    assert target.pk != duplicate.pk

    _sign_in(page, base, "analyst")
    _shot(page, "01-dashboard")
    page.goto(f"{base}/incidents/")
    _shot(page, "02-queue")
    page.fill("input[name=q]", "hxxps://EXAMPLE[.]com/login")
    page.click("#queue-filters button[type=submit]")
    expect(page.locator("#queue-table tbody tr")).to_have_count(2)
    assert page.locator(f"#queue-table a:text('{duplicate.ref}')").count() == 1
    _shot(page, "03-queue-search")

    page.click(f"#queue-table a:text('{target.ref}')")
    page.click(f"a[href='/incidents/{target.ref}/merge/']")
    page.fill("textarea[name=refs]", duplicate.ref)
    _shot(page, "05-merge")
    page.click("#merge-form button[type=submit]")
    page.wait_for_selector("#report-count")
    assert page.inner_text("#report-count") == "2"

    page.click("#notify-link")
    page.select_option("#id_contact", label="Example Hosting KK <abuse@hosting.example>")
    expect(page.locator("#id_recipient")).to_have_value("abuse@hosting.example")
    assert f"[renkei#{target.ref}]" in page.input_value("#id_subject")
    assert "hxxps://example[.]com/login" in page.input_value("#id_body")
    _shot(page, "06-notification-form")
    page.click("#notify-form button[type=submit]")
    page.wait_for_selector("#notifications .badge.sent")
    assert [e.rcpt_tos for e in smtp_server.messages] == [["abuse@hosting.example"]]

    page.click("#resolve-form button[type=submit]")
    page.wait_for_selector("#incident-status.resolved")
    _shot(page, "04-incident")
    timeline = page.inner_text("#timeline")
    for entry in ("統合", "通知を送信待ちに", "通知を送信", "解決"):
        assert entry in timeline, entry
    assert Incident.objects.get(pk=duplicate.pk).status == "merged"


def test_the_admin_edits_contacts_and_templates(
    page: Any, live_server: Any, personas: dict[str, User]
) -> None:
    base = live_server.url
    ingest(url="https://shop.example/account", brand="Example Bank")
    contact_save(
        actor=personas["admin"],
        contact=None,
        data={
            "organisation": "Example Hosting KK",
            "email": "abuse@hosting.example",
            "country": "JP",
            "language": "ja",
        },
    )
    contact_save(
        actor=personas["admin"],
        contact=None,
        data={
            "organisation": "Overseas CSIRT",
            "email": "cert@csirt.example",
            "country": "US",
            "language": "en",
            "role": "csirt",
        },
    )
    _sign_in(page, base, "admin")
    page.goto(f"{base}/coordination/contacts/")
    assert page.locator("#contacts tbody tr").count() == 2
    _shot(page, "07-contacts")
    template = NotificationTemplate.objects.get(category="phishing", language="ja")
    page.goto(f"{base}/coordination/templates/{template.pk}/")
    page.fill(
        "textarea[name=body]",
        "{{ organisation|default:'ご担当者' }} 様\n対象: {{ urls|join:', ' }}\n{{ ticket }}",
    )
    expect(page.locator("#preview")).to_contain_text("対象: hxxps://shop[.]example/account")
    _shot(page, "08-template-editor")


def test_the_notify_form_follows_the_contact_and_keeps_what_was_typed(
    page: Any, live_server: Any, personas: dict[str, User]
) -> None:
    incident = ingest(url="https://example.com/login", brand="Example Bank").incident
    contact_save(
        actor=personas["admin"],
        contact=None,
        data={"organisation": "KrCERT", "email": "cert@krcert.example", "country": "KR"}
        | {"language": "en", "role": "csirt"},
    )
    _sign_in(page, live_server.url, "analyst")
    page.goto(f"{live_server.url}/coordination/incidents/{incident.ref}/notify/")
    expect(page.locator("#id_language")).to_have_value("ja")

    page.select_option("#id_contact", label="KrCERT <cert@krcert.example>")
    expect(page.locator("#id_language")).to_have_value("en")
    expect(page.locator("#id_recipient")).to_have_value("cert@krcert.example")
    expect(page.locator("#id_body")).to_contain_text("impersonate Example Bank")

    page.select_option("#id_basis", "site_confirmed")
    page.fill("#id_body", "Hand-written text.")
    page.select_option("#id_language", "ja")
    expect(page.locator("#kept-edits")).to_be_visible()
    expect(page.locator("#id_body")).to_have_value("Hand-written text.")
    expect(page.locator("#id_basis")).to_have_value("site_confirmed")
    expect(page.locator("#id_recipient")).to_have_value("cert@krcert.example")


def test_the_quarterly_report_is_laid_out_and_breaks_no_content_security_rule(
    page: Any, live_server: Any, personas: dict[str, User]
) -> None:
    ingest(url="https://example.com/login", brand="Example Bank", at="2025-04-01T10:00:00+09:00")
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    _sign_in(page, live_server.url, "analyst")

    page.goto(f"{live_server.url}/reports/quarterly/2025-04/")
    page.wait_for_load_state("networkidle")

    # The report's stylesheet applied (an inline <style> would have been refused).
    collapse = page.eval_on_selector(
        ".renkei-report table.figures", "t => getComputedStyle(t).borderCollapse"
    )
    assert collapse == "collapse"
    assert page.locator(".renkei-report figure img").count() > 0
    assert not [m for m in messages if "Content Security Policy" in m], messages
    _shot(page, "09-quarterly-report")


@pytest.mark.parametrize("who", ["participant_a", "outsider"])
def test_participants_and_outsiders_cannot_open_staff_pages(
    page: Any, live_server: Any, personas: dict[str, User], who: str
) -> None:
    incident = ingest(url="https://example.com/login").incident
    _sign_in(page, live_server.url, who)
    for path in ("/incidents/", f"/incidents/{incident.ref}/", "/coordination/contacts/"):
        response = page.goto(live_server.url + path)
        assert response.status in (403, 404), path
        assert incident.ref not in page.content()
    home = page.goto(live_server.url + "/")
    # A participant's home says what a member can do; the outsider has none.
    assert home.status == (200 if who == "participant_a" else 403)
    assert incident.ref not in page.content()
