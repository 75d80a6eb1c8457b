"""renkei.lib.mime: one raw message in, everything recoverable out, never an exception.

Fixtures are written by fixtures/mail/make_fixtures.py; the Japanese strings
below are the ones it encodes.
"""

from __future__ import annotations

import base64
import time
from email import policy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renkei.lib import mime
from renkei.lib.archives import candidate_passwords, inspect_attachment
from renkei.lib.mime import decode_bytes, extract_ticket_tag, html_to_text, parse_message

FIXTURES = Path(__file__).parent / "fixtures" / "mail"
PHISHING_POT = Path("/work/shared/data/phishing-pot-sample/eml")

GREETING = "お世話になっております。株式会社連携の髙橋です。"
NOTICE = "不審なメールを受信しました。①添付ファイル ②リンク～確認済み"
EUC_TEXT = "フィッシングサイトの報告です。至急ご確認ください。"


def parse_fixture(name: str) -> mime.ParsedMessage:
    return parse_message((FIXTURES / name).read_bytes())


def test_it_decodes_iso_2022_jp_subject_and_body_written_by_windows():
    message = parse_fixture("iso2022jp.eml")

    assert message.subject == "【報告】" + NOTICE
    assert message.text == f"{GREETING}\n{NOTICE}\n"
    assert message.from_name == "髙橋"
    assert message.from_addr == "takahashi@example.co.jp"
    assert message.completeness == "full"


def test_it_decodes_shift_jis_as_cp932():
    message = parse_fixture("sjis.eml")

    assert message.text == f"{GREETING}\n{NOTICE}\n"
    assert message.problems == []


def test_it_decodes_mislabelled_shift_jis():
    message = parse_fixture("sjis_mislabelled.eml")

    assert message.text == f"{GREETING}\n{NOTICE}\n"
    assert any("iso-8859-1" in problem and "cp932" in problem for problem in message.problems)
    assert message.completeness == "full"


def test_it_decodes_euc_jp_body_and_subject():
    message = parse_fixture("eucjp.eml")

    assert message.subject == "報告"
    assert message.text == f"{EUC_TEXT}\nhxxps://phish[.]example[.]com/login\n"


def test_it_decodes_utf8_without_a_charset_and_raw_utf8_headers():
    message = parse_fixture("utf8_no_charset.eml")

    assert message.text == f"{EUC_TEXT}\n"
    assert message.subject == "件名：確認"
    assert message.from_name == "報告者"
    assert any("no charset declared" in problem for problem in message.problems)


def test_it_keeps_script_text_out_of_html_text_and_collects_links():
    message = parse_fixture("html_only.eml")

    assert "SCRIPT-TEXT" not in message.html_text
    assert "color:red" not in message.html_text
    assert "アカウントを確認してください&ログイン" in message.html_text
    assert message.text == message.html_text  # no text/plain part
    assert message.links == [
        "https://refresh.example.net/r",
        "https://login.example-bank.com/verify?id=1",
        "http://203.0.113.7/pixel.gif",
    ]


PATHOLOGICAL_HTML = {
    "unclosed tags": "<a " * 300_000,
    "unclosed attributes": "<a href='" * 100_000,
    "unclosed comments": "<!--" * 250_000,
    "unclosed sections": "x]]><![CDATA[" * 70_000,
    "nested quotes": "<a b=\"<a b='<a b=" * 50_000,
}


@pytest.mark.parametrize("html", PATHOLOGICAL_HTML.values(), ids=PATHOLOGICAL_HTML.keys())
def test_html_to_text_stays_linear_on_a_megabyte_of_broken_markup(html):
    started = time.process_time()  # CPU time: the machine may be shared

    html_to_text(html)

    assert time.process_time() - started < 2.0


def test_outlook_conditional_comments_keep_their_links():
    html = (
        '<!--[if !mso]><!--><a href="https://visible.example/">x</a><!--<![endif]-->'
        '<style>a[x]{color:red}</style><a href="https://after.example/">y</a>'
        "<!--[if mso]><p>outlook only</p><![endif]-->"
    )

    text, links = html_to_text(html)

    assert links == ["https://visible.example/", "https://after.example/"]
    assert text == "xy"


def test_an_unknown_marked_section_does_not_hide_the_rest_of_the_body():
    text, links = html_to_text('<p>a</p><![foo[ x ]]><a href="https://after.example/">b</a>')

    assert links == ["https://after.example/"]
    assert text.endswith("b")


def test_it_yields_the_text_of_a_multipart_without_closing_boundary():
    message = parse_fixture("broken_multipart.eml")

    assert message.text == GREETING
    assert message.links == ["https://x.example.com/"]
    # Whole here, but nothing tells it from a message cut at a line end (a cut that
    # leaves no other trace), so what was recovered is not claimed to be everything.
    assert message.completeness == "partial"
    assert "MIME defect: CloseBoundaryNotFoundDefect" in message.problems


def test_it_guesses_a_missing_boundary_parameter():
    message = parse_fixture("missing_boundary.eml")

    assert message.text == NOTICE
    assert any("guessed" in problem for problem in message.problems)


def test_it_parses_a_forwarded_message_on_its_own():
    message = parse_fixture("forwarded.eml")

    assert message.text == "転送します。"
    [inner] = message.forwarded
    assert inner.subject == "【報告】" + NOTICE
    assert inner.text == f"{GREETING}\n{NOTICE}\n"
    assert inner.message_id == "<jis-1@example.co.jp>"


def test_it_reads_the_fields_of_an_arf_report():
    message = parse_fixture("arf.eml")

    assert message.arf is not None
    assert message.arf["feedback-type"] == "abuse"
    assert message.arf["source-ip"] == "198.51.100.23"
    assert message.text == "This is an email abuse report."
    assert [inner.subject for inner in message.forwarded] == ["win"]


def test_it_reads_the_report_part_of_an_x_arf_message():
    message = parse_fixture("xarf.eml")

    assert message.arf is not None
    assert message.arf["category"] == "fraud"
    assert message.arf["source"] == "192.0.2.44"


def test_it_is_not_arf_for_ordinary_mail():
    assert parse_fixture("sjis.eml").arf is None


def test_it_finds_the_zip_password_in_the_body_and_opens_the_attachment():
    message = parse_fixture("encrypted_zip.eml")
    [attachment] = message.attachments

    report = inspect_attachment(
        attachment.filename, attachment.data, passwords=candidate_passwords(message.text)
    )

    assert attachment.filename == "請求書.zip"
    [member] = report.members
    assert member.path == "請求書.zip/請求書.js"
    assert member.encrypted
    assert member.password_used == "Renkei-2024"
    assert member.is_executable


def test_attachments_carry_their_hashes():
    [attachment] = parse_fixture("encrypted_zip.eml").attachments

    assert attachment.size == len(attachment.data)
    assert len(attachment.sha256) == 64
    assert len(attachment.sha1) == 40
    assert len(attachment.md5) == 32


INVOICE = "請求書.pdf"


def _with_attachment(headers: bytes) -> bytes:
    attachment = b"Content-Type: application/pdf" + headers + b"\r\n\r\n%PDF-1.4"
    return b"Subject: invoice\r\n" + _multipart(
        [b"Content-Type: text/plain\r\n\r\nhi", attachment], "b"
    )


def _b64(text: str, charset: str = "utf-8") -> bytes:
    return base64.b64encode(text.encode(charset))


def _pct(text: str, charset: str) -> bytes:
    return "".join(f"%{byte:02X}" for byte in text.encode(charset)).encode()


@pytest.mark.parametrize(
    "headers",
    [
        b'\r\nContent-Disposition: attachment; filename="' + INVOICE.encode() + b'"',
        b'; name="' + INVOICE.encode() + b'"',  # raw UTF-8, only in Content-Type
        b'\r\nContent-Disposition: attachment; filename="' + INVOICE.encode("cp932") + b'"',
        b'\r\nContent-Disposition: attachment; filename="=?UTF-8?B?' + _b64(INVOICE) + b'?="',
        b"\r\nContent-Disposition: attachment; filename==?UTF-8?B?" + _b64(INVOICE) + b"?=",
        b"\r\nContent-Disposition: attachment; filename*=UTF-8''" + _pct(INVOICE, "utf-8"),
        b"\r\nContent-Disposition: attachment; filename*=Shift_JIS''" + _pct(INVOICE, "cp932"),
        b"\r\nContent-Disposition: attachment; filename*=windows-31j''" + _pct(INVOICE, "cp932"),
    ],
    ids=["raw utf-8", "raw utf-8 name=", "raw shift_jis", "rfc 2047", "rfc 2047 unquoted",
         "rfc 2231 utf-8", "rfc 2231 shift_jis", "rfc 2231 windows-31j"],
)  # fmt: skip
def test_japanese_attachment_names_arrive_whole_however_written(headers):
    message = parse_message(_with_attachment(headers))

    assert [a.filename for a in message.attachments] == [INVOICE]
    assert message.completeness == "full"


def test_a_name_in_a_charset_the_codec_refuses_costs_the_name_at_most():
    # Python's idna codec raises on these bytes; get_filename() passed that on
    # and both parsers lost the whole message.
    headers = b"\r\nContent-Disposition: attachment; filename*=idna''x%FF.pdf"

    message = parse_message(_with_attachment(headers))

    assert (message.subject, message.text) == ("invoice", "hi")
    assert [a.size for a in message.attachments] == [8]
    assert any(p.startswith("attachment filename: declared") for p in message.problems)


def test_it_joins_encoded_words_split_inside_a_character():
    message = parse_fixture("encoded_words.eml")

    assert message.subject == "確認のお願い①至急"


def test_it_parses_date_and_received_headers():
    raw = (
        b"Received: from a by b; Mon, 6 May 2024 10:00:00 +0900\r\n"
        b"Received: from c\r\n by d; Mon, 6 May 2024 09:59:00 +0900\r\n"
        b"Date: Mon, 6 May 2024 10:15:00 +0900\r\n\r\nbody"
    )
    message = parse_message(raw)

    assert message.received == [
        "from a by b; Mon, 6 May 2024 10:00:00 +0900",
        "from c by d; Mon, 6 May 2024 09:59:00 +0900",
    ]
    assert message.date is not None
    assert message.date.utcoffset() is not None
    assert message.date.isoformat() == "2024-05-06T10:15:00+09:00"


def test_it_keeps_a_bad_date_as_a_problem():
    message = parse_message(b"Date: 01-02-2024\r\nSubject: x\r\n\r\nbody")

    assert message.date is None
    assert any(problem.startswith("Date:") for problem in message.problems)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Mon, 1 Jan 0001 10:00:00 +0000", None),  # the stdlib says 2001
        ("Fri, 1 Feb 0999 10:00:00 +0900", None),
        (
            "Sat, 1 Jan 01 10:00:00 +0000",
            "2001-01-01T10:00:00+00:00",
        ),  # two digits: RFC 5322's rule
        ("Sun, 1 Jan 2001 10:00:00 +0000", "2001-01-01T10:00:00+00:00"),
    ],
)
def test_a_four_digit_year_with_a_leading_zero_is_not_read_as_this_century(
    header: str, expected: str | None
) -> None:
    message = parse_message(f"Date: {header}\r\n\r\nbody".encode())

    assert (message.date.isoformat() if message.date else None) == expected
    if expected is None:
        assert any(p.startswith("Date: out of range") for p in message.problems)


def test_it_reports_failed_for_input_that_is_not_a_message():
    message = parse_message(b"")

    assert message.completeness == "failed"
    assert message.problems


def test_it_falls_back_to_the_default_policy_when_compat32_parsing_explodes(monkeypatch):
    original = mime._build

    def explode_on_compat32(message, depth, budget, notes=()):
        if message.policy is policy.compat32:
            raise ValueError("boom")
        return original(message, depth, budget, notes)

    monkeypatch.setattr(mime, "_build", explode_on_compat32)
    message = parse_fixture("sjis.eml")

    assert message.text == f"{GREETING}\n{NOTICE}\n"
    assert message.problems[0] == "compat32 parsing failed (ValueError: boom)"


def test_it_says_failed_with_both_reasons_when_every_parser_explodes(monkeypatch):
    def explode(message, depth, budget, notes=()):
        raise ValueError(f"boom in {type(message.policy).__name__}")

    monkeypatch.setattr(mime, "_build", explode)
    message = parse_fixture("sjis.eml")

    assert message.completeness == "failed"
    assert message.problems == [
        "compat32 parsing failed (ValueError: boom in Compat32)",
        "default-policy parsing failed (ValueError: boom in EmailPolicy)",
    ]


def _multipart(parts: list[bytes], boundary: str) -> bytes:
    head = f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode()
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return head + body + b"--" + boundary.encode() + b"--\r\n"


def test_it_stops_at_the_part_limit():
    part = b"Content-Type: text/plain\r\n\r\nx"
    message = parse_message(_multipart([part] * (mime.MAX_PARTS + 50), "b"))

    assert message.completeness == "partial"
    assert any("MIME parts" in problem for problem in message.problems)


def test_a_megabyte_of_tiny_parts_stops_at_the_part_limit():
    part = b"Content-Type: text/plain\r\n\r\nx"

    message = parse_message(_multipart([part] * 30_000, "b"))

    assert message.completeness == "partial"
    assert any("MIME parts" in problem for problem in message.problems)
    assert 0 < message.text.count("x") <= mime.MAX_PARTS


def test_the_slow_second_parser_is_not_tried_on_a_megabyte_of_parts(monkeypatch):
    # The default policy would take seconds over 30,000 parts' headers.
    original, policies = mime._build, []

    def explode_on_compat32(message, depth, budget, notes=()):
        policies.append(message.policy)
        if message.policy is policy.compat32:
            raise ValueError("boom")
        return original(message, depth, budget, notes)

    monkeypatch.setattr(mime, "_build", explode_on_compat32)
    part = b"Content-Type: text/plain\r\n\r\nx"
    message = parse_message(_multipart([part] * 30_000, "b"))

    assert policies == [policy.compat32]
    assert message.completeness == "failed"
    assert "default-policy parsing not tried" in message.problems[1]


def test_it_stops_at_the_nesting_limit():
    raw = b"Content-Type: text/plain\r\n\r\ndeep"
    for level in range(mime.MAX_DEPTH + 3):
        raw = _multipart([raw], f"level{level}")
    message = parse_message(raw)

    assert message.completeness == "partial"
    assert any("nesting" in problem for problem in message.problems)


def test_it_stops_at_the_decoded_size_limit(monkeypatch):
    monkeypatch.setattr(mime, "MAX_DECODED_BYTES", 1000)
    big = b"Content-Type: application/octet-stream\r\n\r\n" + b"A" * 2000
    message = parse_message(_multipart([big, b"Content-Type: text/plain\r\n\r\nafter"], "s"))

    assert message.attachments == []
    assert message.completeness == "partial"


def test_it_decodes_a_base64_encoded_forwarded_message():
    inner = b"Subject: inner\r\n\r\nhello"
    part = (
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(inner)
    )
    [forwarded] = parse_message(_multipart([part], "f")).forwarded

    assert forwarded.subject == "inner"
    assert forwarded.text == "hello"


@pytest.mark.parametrize(
    ("data", "label", "expected"),
    [
        ("テスト".encode("iso2022_jp"), '"_iso-2022-jp$ESC"', "テスト"),  # seen in the wild
        ("It’s".encode("cp1252"), "iso-8859-1", "It’s"),  # latin-1 means windows-1252
        ("確認".encode(), "shift_jis", "確認"),  # valid UTF-8 beats a wrong label
        ("確認です".encode("cp932"), "x-unknown", "確認です"),
        ("確認です".encode("euc_jp"), None, "確認です"),
        ("①".encode("cp932"), "shift_jis", "①"),  # cp932, not strict Shift_JIS
        ("hi".encode("utf-16-le"), "utf-16le", "hi"),  # ASCII-looking bytes, not ASCII
        (b"+ZeVnLIqe-", "utf-7", "日本語"),
        ("確認".encode(), "undefined", "確認"),  # a Python codec, not a charset
        (b"plain", "base64", "plain"),
    ],
)
def test_it_decodes_bytes_whatever_the_label_claims(data, label, expected):
    assert decode_bytes(data, label).text == expected


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=200),
    st.sampled_from(
        [None, "", "utf-8", "shift_jis", "iso-2022-jp", "euc-jp", "utf-16", "utf-7", "hex",
         "rot13", "undefined", "idna", "x-unknown", "us-ascii", "iso-8859-1", "gb2312"]
    ),
)  # fmt: skip
def test_decode_bytes_never_raises_whatever_the_label(data, label):
    assert isinstance(decode_bytes(data, label).text, str)


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("【楽天】重要", "cp932"),
        ("ＡＭＡＺＯＮ重要", "cp932"),
        ("緊急", "cp932"),
        ("重要通知", "euc_jp"),
        ("【重要】緊急連絡", "euc_jp"),
    ],
)
def test_kanji_only_japanese_without_a_charset_is_read_as_japanese(text, codec):
    decoded = decode_bytes(text.encode(codec), None)

    assert (decoded.text, decoded.codec) == (text, codec)


@pytest.mark.parametrize("codec", ["cp932", "euc_jp"])
def test_a_kanji_only_subject_in_raw_8bit_bytes_is_read_as_japanese(codec):
    message = parse_message(b"Subject: " + "【楽天】重要".encode(codec) + b"\r\n\r\nhi")

    assert message.subject == "【楽天】重要"
    assert message.problems == [f"Subject: raw 8-bit header; no charset declared; detected {codec}"]


@pytest.mark.parametrize("codec", ["cp932", "euc_jp"])
@pytest.mark.parametrize("content_type", ["text/plain", "text/plain; charset=us-ascii"])
def test_a_kanji_only_body_without_its_charset_is_read_as_japanese(codec, content_type):
    head = f"Subject: report\r\nContent-Type: {content_type}\r\n\r\n".encode()

    message = parse_message(head + "【重要】緊急\r\n".encode(codec))

    assert message.text == "【重要】緊急\n"
    assert message.completeness == "full"


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        ("重要通知", "utf-8", None),
        ("계정이 일시 정지되었습니다", "utf-8", None),
        ("계정 확인", "euc_kr", None),  # reads as kanji in EUC-JP too
        ("비밀번호를 변경하세요", "euc_kr", None),
        ("系统升级维护公告", "gb2312", None),  # reads as kanji in EUC-JP too
        ("工商银行网上银行安全升级通知", "gb2312", None),
        ("Your account’s security", "cp1252", None),  # ’s is a kanji in cp932
        ("Réservation confirmée", "cp1252", None),
        ("Votre élève", "cp1252", "iso-8859-1"),
    ],
)
def test_utf8_korean_chinese_and_western_text_is_not_read_as_cp932_or_euc_jp(text, codec, label):
    assert decode_bytes(text.encode(codec), label).text == text


# EUC-JP writes the kanji of JIS rows 34-47, cells 1-31, as bytes C2-CF then
# A1-BF: a two-byte UTF-8 sequence. Words made only of such kanji are valid
# UTF-8 and were read as such (未納 as "̤Ǽ", 速達 as "®ã", 発表 as "ȯɽ").
EUC_JP_WORDS_THAT_ARE_VALID_UTF8 = ["未納", "未払", "速達", "発表", "法的", "同年"]


@pytest.mark.parametrize("word", [*EUC_JP_WORDS_THAT_ARE_VALID_UTF8, "両立", "存続"])
def test_declared_euc_jp_wins_over_a_utf8_reading_of_the_same_bytes(word):
    data = word.encode("euc_jp")
    assert data.decode("utf-8") != word  # the trap: the bytes are valid UTF-8

    decoded = decode_bytes(data, "EUC-JP")

    assert (decoded.text, decoded.codec, decoded.note) == (word, "euc_jp", None)


@pytest.mark.parametrize("word", EUC_JP_WORDS_THAT_ARE_VALID_UTF8)
@pytest.mark.parametrize("label", [None, "us-ascii", "iso-8859-1"])
def test_undeclared_euc_jp_that_is_valid_utf8_is_read_as_japanese(word, label):
    decoded = decode_bytes(word.encode("euc_jp"), label)

    assert (decoded.text, decoded.codec) == (word, "euc_jp")


def test_a_raw_euc_jp_subject_that_is_valid_utf8_is_read_as_japanese():
    message = parse_message(b"Subject: ETC " + "未払".encode("euc_jp") + b"\r\n\r\nhi")

    assert message.subject == "ETC 未払"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Réservation confirmée", "euc-jp"),  # decodes as EUC-JP, but kanji inside words
        ("Copyright © 2024", "shift_jis"),  # ©'s bytes are halfwidth katakana in cp932
        ("Copyright © 2024 ®", None),  # Latin-1 symbols are ordinary in UTF-8
        ("Isso é importante", None),  # a one-letter word
        ("και", None),  # Greek: rows 46-47 kanji in EUC-JP, yet left to UTF-8
        ("ξΩ", None),
    ],
)
def test_utf8_that_is_also_valid_euc_jp_stays_utf8_unless_it_reads_as_a_misreading(text, label):
    assert decode_bytes(text.encode(), label).text == text


def test_it_replaces_undecodable_bytes_as_a_last_resort():
    decoded = decode_bytes(b"ok \xff\xfe\xfa broken", "utf-8")

    assert decoded.lossy
    assert "\ufffd" in decoded.text


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: [renkei#I-0123456789] 対応のお願い", "I-0123456789"),
        ("RE: [Renkei#i-abcdefghjk]", "I-ABCDEFGHJK"),
        ("[renkei#I-012345678]", None),  # nine characters
        ("[renkei#I-0123456789U]", None),  # U is not Crockford base32
        ("no tag", None),
    ],
)
def test_it_extracts_the_ticket_tag_of_our_notifications(subject, expected):
    assert extract_ticket_tag(subject) == expected


_MUTATIONS = st.binary(max_size=400) | st.builds(
    lambda name, cut, junk: (FIXTURES / name).read_bytes()[:cut] + junk,
    st.sampled_from(sorted(path.name for path in FIXTURES.glob("*.eml"))),
    st.integers(min_value=0, max_value=1500),
    st.binary(max_size=60),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MUTATIONS)
def test_it_never_raises_on_damaged_input(raw):
    message = parse_message(raw)

    assert message.completeness in ("full", "partial", "failed")


@pytest.mark.skipif(
    not PHISHING_POT.is_dir(),
    reason=f"phishing-pot sample not found at {PHISHING_POT} (licence forbids bundling it)",
)
def test_it_parses_the_first_50_real_phishing_messages():
    for path in sorted(PHISHING_POT.glob("*.eml"))[:50]:
        message = parse_message(path.read_bytes())

        assert message.completeness != "failed" or message.problems, path.name
        for attachment in message.attachments:
            inspect_attachment(attachment.filename, attachment.data)
