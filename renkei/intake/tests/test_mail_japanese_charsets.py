"""Japanese mail through the e-mail collector, end to end into reports."""

from __future__ import annotations

import base64

import pytest

from renkei.intake.collectors.mail import email_receive
from renkei.intake.models import Report
from renkei.intake.tests.mails import PHISHING_JA, encoded_word, message

pytestmark = pytest.mark.django_db


def _report(raw: bytes) -> Report:
    outcome = email_receive(raw, collector="test")
    assert outcome.status == "created", outcome.error
    return Report.objects.get(pk=outcome.report_id)


def test_an_iso_2022_jp_report_is_decoded_into_the_report(brand_catalog: None) -> None:
    raw = message(
        subject=encoded_word("ISO-2022-JP", "フィッシングサイトの報告"),
        body=PHISHING_JA, charset="ISO-2022-JP", cte="7bit",
    )  # fmt: skip

    report = _report(raw)

    assert report.extra["mail"]["subject"] == "フィッシングサイトの報告"
    assert "お客様のアカウントは一時停止されました" in report.text
    assert report.category == "phishing", report.extra["suggestion"]
    assert report.url == "https://amazon-co-jp.account-verify.xyz/signin"
    assert report.brand.name == "Amazon"


def test_a_shift_jis_report_is_decoded_into_the_report(brand_catalog: None) -> None:
    body = "楽天カードをご利用のお客様へ。①ご本人確認 https://rakuten-card.example-phish.top/login"
    raw = message(
        subject=encoded_word("Shift_JIS", "【楽天】ご本人確認のお願い", "cp932"),
        body=body.encode("cp932"), charset="Shift_JIS", cte="base64",
    )  # fmt: skip

    report = _report(raw)

    assert report.extra["mail"]["subject"] == "【楽天】ご本人確認のお願い"
    assert "楽天カードをご利用のお客様へ。①ご本人確認" in report.text
    assert report.brand.name == "楽天"


def test_a_kanji_only_subject_in_raw_shift_jis_names_its_brand(brand_catalog: None) -> None:
    # Mailers that skip RFC 2047 send the subject's cp932 bytes as they are.
    body = (
        "お客様のアカウントは一時停止されました。\n"
        "本人確認のため、以下のリンクからログインしてください。\n"
        "hxxps://account-verify[.]xyz/signin\n"
    )
    raw = message(subject="SUBJECT", body=body).replace(
        b"Subject: SUBJECT", b"Subject: " + "【楽天】重要".encode("cp932")
    )

    report = _report(raw)

    assert report.extra["mail"]["subject"] == "【楽天】重要"
    assert report.category == "phishing", report.extra["suggestion"]
    assert report.brand.name == "楽天"


def test_a_mislabelled_charset_is_detected_and_noted(brand_catalog: None) -> None:
    # Shift_JIS bytes under an ISO-8859-1 label: what some mailers really send.
    raw = message(
        subject="=?ISO-8859-1?B?" + base64.b64encode("不審なメール".encode("cp932")).decode() + "?=",
        body="不審なメールを受信しました。パスワードの再設定を求められました。".encode("cp932"),
        charset="ISO-8859-1", cte="8bit",
    )  # fmt: skip

    report = _report(raw)

    assert "不審なメールを受信しました" in report.text
    assert report.extra["mail"]["subject"] == "不審なメール"
    assert report.extra["mail"]["problems"]  # the repair is recorded for the analyst


def test_an_undeclared_8bit_utf8_message_is_read_as_utf8() -> None:
    raw = message(subject="no charset", body="スキャンの報告です".encode(), charset="")

    report = _report(raw)

    assert "スキャンの報告です" in report.text


def test_short_euc_jp_that_is_also_valid_utf8_is_read_as_japanese() -> None:
    # 未払 and 速達 in EUC-JP are valid UTF-8 ("̤ʧ", "®ã"): the label, and
    # without one the Japanese reading, must win.
    raw = message(subject="SUBJECT", body="未払\n".encode("euc_jp"), charset="EUC-JP", cte="8bit")
    raw = raw.replace(b"Subject: SUBJECT", b"Subject: " + "速達".encode("euc_jp"))

    report = _report(raw)

    assert report.extra["mail"]["subject"] == "速達"
    assert "未払" in report.text
