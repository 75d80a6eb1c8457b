"""renkei.lib.observables: indicators in report text, defanged or not, fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renkei.lib.mime import parse_message
from renkei.lib.observables import extract_observables, ip_flag, refang_text, trim_url

FIXTURES = Path(__file__).parent / "fixtures" / "mail"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_it_refangs_defanged_urls_and_domains():
    found = extract_observables(
        "hxxps://evil[.]example[.]com/login and hXXp://bad(.)example(.)net[:]8080/x "
        "and phish[dot]example[dot]org"
    )

    assert found.urls == ["https://evil.example.com/login", "http://bad.example.net:8080/x"]
    assert found.domains == ["evil.example.com", "bad.example.net", "phish.example.org"]


def test_refang_text_undoes_defanging_inside_a_sentence():
    assert refang_text("see hxxp://a[.]example[.]jp/ now") == "see http://a.example.jp/ now"
    assert refang_text("mail user[at]example[.]com") == "mail user@example.com"


def test_it_strips_trailing_punctuation_and_japanese_brackets():
    found = extract_observables(
        "「https://a.example.com/x」を確認。(https://b.example.com/y). "
        "https://c.example.com/z、https://ja.example.org/wiki/Foo_(bar)! "
        "'https://d.example.com/q?a=1'"
    )

    assert found.urls == [
        "https://a.example.com/x",
        "https://b.example.com/y",
        "https://c.example.com/z",
        "https://ja.example.org/wiki/Foo_(bar)",
        "https://d.example.com/q?a=1",
    ]


@pytest.mark.parametrize(
    ("raw", "trimmed"),
    [
        ("https://x.example/a).", "https://x.example/a"),
        ("https://x.example/a_(b)", "https://x.example/a_(b)"),
        ("https://x.example/a?b=c;", "https://x.example/a?b=c"),
    ],
)
def test_trim_url_keeps_balanced_brackets(raw, trimmed):
    assert trim_url(raw) == trimmed


def test_it_counts_html_hrefs_not_only_visible_text():
    html = (
        '<a href="hxxps://hidden.example.com/pay">Click here</a>'
        '<img src="http://198.51.100.9/i.png"><a href="mailto:ceo@corp.example.com?subject=x">'
        "mail</a><script>var u='https://in-script.example.com/'</script>"
    )
    found = extract_observables("", html=html)

    assert "https://hidden.example.com/pay" in found.urls
    assert "http://198.51.100.9/i.png" in found.urls
    assert found.emails == ["ceo@corp.example.com"]
    assert "in-script.example.com" not in found.domains


def test_extra_urls_count_too():
    found = extract_observables("text", extra_urls=["https://given.example.com/a", "cid:img1"])

    assert found.urls == ["https://given.example.com/a"]


def test_it_finds_hashes_by_exact_length():
    found = extract_observables(f"md5 {MD5}\nsha1: {SHA1.upper()}\nsha256={SHA256}.")

    assert found.md5 == [MD5]
    assert found.sha1 == [SHA1]
    assert found.sha256 == [SHA256]


def test_it_finds_no_hash_inside_a_longer_hex_string():
    long_hex = "0123456789abcdef" * 6 + "0123"  # 100 hex digits

    found = extract_observables(f"token {long_hex} end x{MD5} {MD5}g")

    assert (found.md5, found.sha1, found.sha256) == ([], [], [])


def test_it_ignores_hex_tokens_inside_urls():
    found = extract_observables(f"https://track.example.com/c/{MD5}?u=1 and {SHA1}")

    assert found.md5 == []
    assert found.sha1 == [SHA1]


def test_it_keeps_private_and_documentation_addresses_but_flags_them():
    found = extract_observables(
        "from 192.168.1.10, 8.8.8.8, 127.0.0.1, 203.0.113.5, 169.254.1.1, 224.0.0.1, "
        "240.0.0.1 and 2001:db8::1, fe80::1:2, 2606:4700:4700::1111"
    )

    assert found.ipv4 == [
        "192.168.1.10",
        "8.8.8.8",
        "127.0.0.1",
        "203.0.113.5",
        "169.254.1.1",
        "224.0.0.1",
        "240.0.0.1",
    ]
    assert found.ipv6 == ["2001:db8::1", "fe80::1:2", "2606:4700:4700::1111"]
    assert found.ip_flags == {
        "192.168.1.10": "private",
        "8.8.8.8": "global",
        "127.0.0.1": "loopback",
        "203.0.113.5": "documentation",
        "169.254.1.1": "link_local",
        "224.0.0.1": "multicast",
        "240.0.0.1": "reserved",
        "2001:db8::1": "documentation",
        "fe80::1:2": "link_local",
        "2606:4700:4700::1111": "global",
    }


def test_it_validates_addresses():
    found = extract_observables(
        "999.1.1.1 1.2.3.4.5 v10.0.0.1.2 01.2.3.4 at 12:30:45, std::cout, 1[.]2[.]3[.]4"
    )

    assert found.ipv4 == ["1.2.3.4"]
    assert found.ipv6 == []


def test_ip_flag_names_the_kind_of_address():
    assert ip_flag("10.0.0.1") == "private"
    assert ip_flag("0.0.0.0") == "reserved"
    assert ip_flag("::1") == "loopback"


def test_it_finds_emails_including_defanged_ones():
    found = extract_observables("連絡先：Info@Example.co.jp または abuse[at]isp[.]example[.]net。")

    assert found.emails == ["info@example.co.jp", "abuse@isp.example.net"]
    assert "example.co.jp" in found.domains


def test_it_requires_a_plausible_tld():
    found = extract_observables(
        "see invoice.pdf, update.zip, node.js and report.docx; "
        "visit shop.example.xyz or http://login.example.zip/ or http://intranet.local/"
    )

    assert found.domains == ["shop.example.xyz", "login.example.zip"]
    assert found.urls == ["http://login.example.zip/"]


def test_it_accepts_idn_and_country_code_tlds():
    found = extract_observables("xn--eckwd4c7c.xn--zckzah and example.co.jp and a.b.kz")

    assert found.domains == ["xn--eckwd4c7c.xn--zckzah", "example.co.jp", "a.b.kz"]


def test_a_url_on_a_host_with_japanese_labels_is_found_whole():
    found = extract_observables(
        "こちら https://アマゾン-ログイン.com/signin から、「https://楽天.example.jp/」"
        "と https://münchen.de:8080/x?y=1 も"
    )

    assert found.urls == [
        "https://アマゾン-ログイン.com/signin",
        "https://楽天.example.jp/",
        "https://münchen.de:8080/x?y=1",
    ]
    assert found.domains == [
        "xn----eeuh1cxd3j3dybe.com", "xn--rssv39a.example.jp", "xn--mnchen-3ya.de"
    ]  # fmt: skip


def test_japanese_touching_a_url_with_a_japanese_host_on_either_side_is_not_part_of_it():
    found = extract_observables("見てhttps://アマゾン-ログイン.com/signin です。https://例え.jpへ")

    assert found.urls == ["https://アマゾン-ログイン.com/signin", "https://例え.jp"]


def test_japanese_right_after_an_ascii_url_still_ends_it():
    found = extract_observables("詳細はhttps://example.com/loginにアクセス、https://example.jpへ")

    assert found.urls == ["https://example.com/login", "https://example.jp"]
    assert found.domains == ["example.com", "example.jp"]


def test_it_deduplicates_in_order_of_first_appearance():
    found = extract_observables("b.example.com a.example.com B.EXAMPLE.COM 8.8.8.8 8.8.8.8")

    assert found.domains == ["b.example.com", "a.example.com"]
    assert found.ipv4 == ["8.8.8.8"]


def test_it_extracts_from_a_parsed_message():
    message = parse_message((FIXTURES / "html_only.eml").read_bytes())

    found = extract_observables(message.text, extra_urls=message.links)

    assert found.urls == [
        "http://evil.example.org/x",
        "https://refresh.example.net/r",
        "https://login.example-bank.com/verify?id=1",
        "http://203.0.113.7/pixel.gif",
    ]
    assert found.ip_flags == {"203.0.113.7": "documentation"}


PATHOLOGICAL = {
    "letters": "a" * 1_000_000,
    "labels": "a." * 500_000,
    "hyphens": "a-" * 500_000,
    "digits and dots": "1." * 500_000,
    "colons": ":" * 1_000_000,
    "hex": "0" * 1_000_000 + "g",
    "at signs": "a@" * 500_000,
    "url": "http://" + "a" * 1_000_000,
    "brackets": "[.]" * 333_333,
    "ipv6-ish": "a:" * 500_000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_it_stays_fast_on_a_megabyte_of_pathological_input(text):
    started = time.process_time()  # CPU time: the machine may be shared

    extract_observables(text)

    assert time.process_time() - started < 1.0


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab.:/[]()@-x0123456789fhtps \u3002「」", max_size=300))
def test_it_never_raises_on_arbitrary_text(text):
    found = extract_observables(text)

    assert set(found.ip_flags) == {*found.ipv4, *found.ipv6}
