"""The classifier proposes a category and a brand with reasons; the analyst decides."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from renkei.accounts.models import AuditEvent, User
from renkei.incidents.models import Brand, Incident
from renkei.incidents.tests.factories import ingest
from renkei.intake.brandmatch import BrandMatcher, fold
from renkei.intake.collectors.mail import email_receive
from renkei.intake.models import Report
from renkei.intake.reasons import shown_reasons
from renkei.intake.review import report_classify
from renkei.intake.suggest import Clues, suggest
from renkei.intake.tests.mails import PHISHING_JA, SCAN_JA, message
from renkei.lib.errors import PermissionDenied

CATALOG = BrandMatcher([
    (1, "Amazon", "Amazon"), (1, "Amazon", "アマゾン"), (1, "Amazon", "amazon.co.jp"),
    (2, "三井住友カード", "三井住友カード"), (2, "三井住友カード", "SMBC"),
    (3, "LINE", "LINE"), (4, "au", "au"),
])  # fmt: skip


def test_a_japanese_phishing_mail_is_phishing_imitating_its_brand() -> None:
    clues = Clues(
        subject="【アマゾン】アカウント一時停止のお知らせ", sender_name="Amazon.co.jp",
        sender_addr="no-reply@amazon-security.xyz", text=PHISHING_JA,
        links=["https://amazon-co-jp.account-verify.xyz/signin"],
        urls=["https://amazon-co-jp.account-verify.xyz/signin"],
    )  # fmt: skip

    suggestion = suggest(clues, CATALOG)

    assert suggestion.category == "phishing"
    assert suggestion.confidence >= 0.8
    assert suggestion.url == "https://amazon-co-jp.account-verify.xyz/signin"
    assert suggestion.brand is not None and suggestion.brand.name == "Amazon"
    assert "brand 'Amazon' named in the sender name" in suggestion.brand.reasons
    assert any("but is not its site" in reason for reason in suggestion.reasons)


def test_an_english_brand_name_finds_the_japanese_catalog_entry_by_alias() -> None:
    clues = Clues(subject="SMBC: please verify your card", text="Sign in to confirm your card.",
                  links=["https://smbc.verify-card.top/"], urls=["https://smbc.verify-card.top/"])  # fmt: skip

    suggestion = suggest(clues, CATALOG)

    assert suggestion.brand is not None and suggestion.brand.name == "三井住友カード"


def test_a_genuine_link_is_not_taken_for_the_phishing_site() -> None:
    clues = Clues(
        subject="Amazon password reset", text="Reset your password",
        links=["https://www.amazon.co.jp/help", "http://192.0.2.44/amazon/login.php"],
        urls=["https://www.amazon.co.jp/help", "http://192.0.2.44/amazon/login.php"],
    )  # fmt: skip

    assert suggest(clues, CATALOG).url == "http://192.0.2.44/amazon/login.php"


def test_a_scan_report_names_the_source_address_and_ports() -> None:
    clues = Clues(text=SCAN_JA, ips={"198.51.100.23": "global"})

    suggestion = suggest(clues, CATALOG)

    assert (suggestion.category, suggestion.ip) == ("scan", "198.51.100.23")
    assert suggestion.ports == ["22/tcp", "23/tcp"]
    assert suggestion.brand is None


def test_a_scan_from_a_private_address_is_not_proposed_but_explained() -> None:
    clues = Clues(
        text="ポートスキャンを受けました 192.168.0.10 から", ips={"192.168.0.10": "private"}
    )

    suggestion = suggest(clues, CATALOG)

    assert suggestion.category == "other"
    assert any("no global address" in reason for reason in suggestion.reasons)


def test_short_and_everyday_brand_names_do_not_match_running_text() -> None:
    clues = Clues(text="Read line by line, au revoir.", subject="notes")

    assert suggest(clues, CATALOG).brand is None
    assert CATALOG.match(sender_name="LINE") is not None


def test_look_alike_letters_and_stray_marks_do_not_hide_a_brand() -> None:
    assert fold("Aܿmܿaܿzܿon") == "amazon"
    assert fold("Аmazоn") == "amazon"  # Cyrillic А and о
    match = CATALOG.match(subject="Your Aܿmܿaܿzܿon account")
    assert match is not None and match.name == "Amazon"


def test_a_report_without_rules_firing_is_other_with_a_plain_reason() -> None:
    suggestion = suggest(Clues(text="hello"), CATALOG)

    assert (suggestion.category, suggestion.reasons) == ("other", ["no rule matched"])


@pytest.mark.django_db
def test_the_suggestion_is_stored_with_its_reasons_for_the_analyst(brand_catalog: None) -> None:
    outcome = email_receive(message(subject="amazon", body=PHISHING_JA), collector="test")

    report = Report.objects.get(pk=outcome.report_id)
    assert report.category_origin == "classifier"
    suggestion = report.extra["suggestion"]
    assert suggestion["category"] == "phishing"
    assert suggestion["reasons"] and suggestion["brand"]["name"] == "Amazon"
    assert 0 < suggestion["confidence"] <= 1


@pytest.mark.django_db
def test_the_analysts_decision_wins_and_is_audited(
    brand_catalog: None, personas: dict[str, User]
) -> None:
    outcome = email_receive(message(subject="amazon", body=PHISHING_JA), collector="test")
    report = Report.objects.get(pk=outcome.report_id)
    rakuten = Brand.objects.get(name="楽天")
    changed_before = report.incident.updated_at

    decided = report_classify(
        actor=personas["analyst"], report=report, category="phishing", brand=rakuten
    )

    assert (decided.category, decided.category_origin, decided.brand) == (
        "phishing",
        "analyst",
        rakuten,
    )
    assert decided.extra["decision"]["by"] == "analyst"
    assert decided.extra["suggestion"]["brand"]["name"] == "Amazon"  # kept beside it
    assert decided.incident.brand == rakuten  # the incident's only report carries it
    assert decided.incident.updated_at > changed_before  # the API's feed of changes sees it
    event = AuditEvent.objects.get(action="report.classify")
    assert event.before["brand"] == "Amazon" and event.after["brand"] == "楽天"
    assert event.actor == personas["analyst"]


@pytest.mark.django_db
def test_only_center_staff_decide_a_category(personas: dict[str, User]) -> None:
    outcome = email_receive(message(subject="x", body="hello"), collector="test")
    report = Report.objects.get(pk=outcome.report_id)

    with pytest.raises(PermissionDenied):
        report_classify(actor=personas["outsider"], report=report, category="scan")
    assert not AuditEvent.objects.filter(action="report.classify").exists()


def _decide_in_console(client: Client, who: User, category: str) -> tuple[int, Any]:
    """A mailed report, then `who` posts a category for it; its id and the response."""
    outcome = email_receive(message(subject="x", body="hello"), collector="test")
    client.force_login(who)
    response = client.post(f"/intake/reports/{outcome.report_id}/classify/", {"category": category})
    return outcome.report_id, response


@pytest.mark.django_db
def test_an_analyst_records_the_decision_from_the_console(
    client: Client, brand_catalog: None, personas: dict[str, User]
) -> None:
    report_id, response = _decide_in_console(client, personas["analyst"], "targeted_attack")

    assert response.status_code == 302
    report = Report.objects.get(pk=report_id)
    assert (report.category, report.category_origin) == ("targeted_attack", "analyst")
    assert report.incident.category == "targeted_attack"


@pytest.mark.django_db
def test_the_outsider_cannot_record_a_decision(client: Client, personas: dict[str, User]) -> None:
    report_id, response = _decide_in_console(client, personas["outsider"], "scan")

    assert response.status_code == 403
    assert Report.objects.get(pk=report_id).category_origin == "classifier"


@pytest.mark.django_db
def test_a_refused_decision_goes_back_to_the_incident_saying_why_escaped(
    client: Client, personas: dict[str, User]
) -> None:
    report_id, response = _decide_in_console(client, personas["analyst"], "<b>phish</b>")

    report = Report.objects.get(pk=report_id)
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{report.incident.ref}/#report-{report_id}"
    page = client.get(response["Location"]).content.decode()
    assert "The decision was not recorded" in page or "判断を記録できませんでした" in page
    assert "&lt;b&gt;phish&lt;/b&gt;" in page and "<b>phish</b>" not in page
    assert report.category_origin == "classifier"


@pytest.mark.django_db
def test_the_incident_page_shows_the_suggestion_and_takes_the_decision_with_a_typed_brand(
    client: Client, brand_catalog: None, personas: dict[str, User]
) -> None:
    outcome = email_receive(message(subject="amazon", body=PHISHING_JA), collector="test")
    report = Report.objects.get(pk=outcome.report_id)
    client.force_login(personas["analyst"])
    page = client.get(f"/incidents/{report.incident.ref}/").content.decode()

    decided = client.post(
        f"/intake/reports/{report.pk}/classify/", {"category": "phishing", "brand_name": "楽天"}
    )
    unknown = client.post(
        f"/intake/reports/{report.pk}/classify/", {"category": "phishing", "brand_name": "Nowhere"}
    )

    for reason in shown_reasons(report.extra["suggestion"]):
        assert escape(reason) in page
    assert f'action="/intake/reports/{report.pk}/classify/"' in page
    assert '<option value="楽天">' in page  # the catalog, to pick from
    assert decided.status_code == 302
    assert Report.objects.get(pk=report.pk).incident.brand.name == "楽天"
    assert (
        unknown.status_code == 302 and "Nowhere" in client.get(unknown["Location"]).content.decode()
    )
    assert Report.objects.get(pk=report.pk).brand.name == "楽天"


@pytest.mark.django_db
def test_a_brand_decided_on_any_report_of_an_incident_becomes_the_incidents_brand(
    brand_catalog: None, personas: dict[str, User]
) -> None:
    first = ingest(url="https://login.example-shop.xyz/", brand="Amazon")
    second = ingest(
        url="https://login.example-shop.xyz/", brand="Amazon", at="2025-04-02T10:00:00Z"
    )
    assert first.incident_id == second.incident_id
    changed_before = Incident.objects.get(pk=first.incident_id).updated_at

    report_classify(
        actor=personas["analyst"], report=second, category="phishing",
        brand=Brand.objects.get(name="楽天"),
    )  # fmt: skip

    incident = Incident.objects.get(pk=first.incident_id)
    assert incident.brand is not None and incident.brand.name == "楽天"
    assert (incident.category, incident.report_count) == ("phishing", 2)
    assert incident.updated_at > changed_before
