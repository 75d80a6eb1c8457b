"""The classifier's reasons are read by Japanese and English analysts alike.

A suggestion stores its reasons as English text (what API clients read) and as
messages with their arguments, so the incident page shows them in the reader's
language; a stored message that is not one of the classifier's own is shown as
the stored text, never used as a format string.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape
from django.utils.translation import gettext, override

from renkei.accounts.models import User
from renkei.intake.collectors.mail import email_receive
from renkei.intake.models import Report
from renkei.intake.reasons import MESSAGES, Reason, shown_reasons
from renkei.intake.tests.mails import PHISHING_JA, message


@pytest.mark.parametrize("text", sorted(MESSAGES))
def test_every_reason_has_a_japanese_text_with_the_same_arguments(text: str) -> None:
    with override("ja"):
        japanese = gettext(text)

    assert japanese != text
    names = sorted(part.split(")")[0] for part in text.split("%(")[1:])
    assert sorted(part.split(")")[0] for part in japanese.split("%(")[1:]) == names


def _mailed_phishing() -> Report:
    outcome = email_receive(message(subject="amazon", body=PHISHING_JA), collector="test")
    return Report.objects.get(pk=outcome.report_id)


@pytest.mark.django_db
def test_the_incident_page_shows_the_reasons_in_japanese_or_english(
    client: Client, brand_catalog: None, personas: dict[str, User]
) -> None:
    report = _mailed_phishing()
    stored = report.extra["suggestion"]
    analyst = personas["analyst"]
    client.force_login(analyst)
    url = f"/incidents/{report.incident.ref}/"

    japanese = client.get(url).content.decode()  # an account's language is Japanese at first
    analyst.language = "en"
    analyst.save(update_fields=["language"])
    english = client.get(url).content.decode()

    assert "送信者名にブランド &#x27;Amazon&#x27;" in japanese or "本文にブランド" in japanese
    for reason in stored["reasons"] + stored["brand"]["reasons"]:
        assert escape(reason) in english
        assert escape(reason) not in japanese


@pytest.mark.django_db
def test_the_api_keeps_reading_the_same_english_reasons(brand_catalog: None) -> None:
    stored = _mailed_phishing().extra["suggestion"]

    with override("en"):
        assert shown_reasons(stored) == stored["reasons"]
    assert all(isinstance(reason, str) for reason in stored["reasons"])


def test_a_nested_reason_is_translated_whole_with_its_category_label() -> None:
    missing = Reason("%(category)s needs a URL and none was found", category="phishing")
    near = Reason(
        "looks like %(category)s (%(score).2f) but %(missing)s",
        category="phishing", score=0.7, missing=missing,
    )  # fmt: skip
    stored = {"reasons": [near], "reason_messages": [near.as_json()]}

    with override("ja"):
        (shown,) = shown_reasons(stored)

    assert near == "looks like phishing (0.70) but phishing needs a URL and none was found"
    assert (
        shown
        == "「フィッシングサイト」らしい（0.70）が、「フィッシングサイト」には URL が必要だが、見つからなかった"
    )


@pytest.mark.parametrize(
    "messages",
    [
        [["%(a)999999999s", {"a": "x"}]],  # not one of the classifier's: a format bomb
        [["lure wording: %(words)s", {}]],  # an argument missing
        [["looks like %(category)s (%(score).2f) but %(missing)s",
          {"category": "scan", "score": "high", "missing": "x"}]],  # arguments of the wrong kind
        [["no rule matched", {}], ["no rule matched", {}]],  # not as many as the reasons
        "no rule matched",
    ],
)  # fmt: skip
def test_stored_messages_that_are_not_the_classifiers_show_the_stored_text(
    messages: object,
) -> None:
    stored = {"reasons": ["<b>as stored</b>"], "reason_messages": messages}

    with override("ja"):
        assert shown_reasons(stored) == ["<b>as stored</b>"]
