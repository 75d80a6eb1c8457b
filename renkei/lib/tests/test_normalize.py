"""Normalization and incident keys (EXCHANGE-FORMAT.md, "Normalization and incident keys")."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renkei.lib.errors import NormalizationError
from renkei.lib.normalize import (
    CATEGORIES,
    SITE_CATEGORIES,
    NormalizedUrl,
    _normalize_any_url,
    _plain_url,
    canonical_ip,
    incident_key,
    normalize_host,
    normalize_url,
    parse_port,
    refang,
    remove_dot_segments,
)


def key(url: str) -> str:
    return normalize_url(url).key


# --- refang ------------------------------------------------------------------


def test_it_refangs_hxxp_and_hxxps_in_any_case() -> None:
    assert refang("hxxp://a.example") == "http://a.example"
    assert refang("hXXps://a.example") == "https://a.example"
    assert refang("HXXPS://a.example") == "https://a.example"


def test_it_refangs_every_dot_form() -> None:
    assert refang("a[.]b(.)c{.}d[dot]e[DOT]f") == "a.b.c.d.e.f"


def test_it_refangs_colons_and_scheme_separators() -> None:
    assert refang("hxxps[://]a.example[:]8443/") == "https://a.example:8443/"


def test_it_strips_surrounding_whitespace() -> None:
    assert refang("  \thttp://a.example/ \n") == "http://a.example/"


def test_it_leaves_hxxp_inside_a_path_alone() -> None:
    assert refang("http://a.example/hxxp") == "http://a.example/hxxp"


# --- normalize_url: the spec's examples ---------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "hxxps://EXAMPLE[.]com:443/login/#top",
        "http://example.com/login?id=5",
        "https://example.com/%6Cogin",
    ],
)
def test_the_spec_examples_all_have_the_same_key(url: str) -> None:
    assert key(url) == "example.com/login"


def test_it_converts_a_japanese_host_to_a_labels() -> None:
    normalized = normalize_url("https://ログイン確認-00140.example.jp/login")
    assert normalized.host.startswith("xn--")
    assert normalized.host.endswith(".example.jp")
    assert normalized.key == normalized.host + "/login"


def test_it_keeps_a_non_default_port_and_removes_dot_segments() -> None:
    assert key("http://www.example.com:8080/a/../b/") == "www.example.com:8080/b"


def test_it_returns_every_part() -> None:
    assert normalize_url("HTTPS://u:p@Example.com:8443/a/?q=1#f") == NormalizedUrl(
        url="https://example.com:8443/a?q=1",
        host="example.com",
        port=8443,
        path="/a",
        key="example.com:8443/a",
    )


# --- normalize_url: scheme, userinfo, port --------------------------------------


def test_it_assumes_http_without_a_scheme() -> None:
    assert normalize_url("example.com/login").url == "http://example.com/login"


def test_it_assumes_http_for_host_and_port_without_a_scheme() -> None:
    assert normalize_url("example.com:8080/x").url == "http://example.com:8080/x"


def test_it_assumes_http_for_a_scheme_relative_url() -> None:
    assert normalize_url("//example.com/x").url == "http://example.com/x"


def test_it_lowercases_the_scheme() -> None:
    assert normalize_url("HTTP://example.com/").url == "http://example.com/"


def test_it_drops_the_default_https_port() -> None:
    assert normalize_url("https://example.com:443/").port is None
    assert key("https://example.com:443/") == "example.com/"


def test_it_drops_the_default_http_port() -> None:
    assert key("http://example.com:80/a") == "example.com/a"


def test_it_keeps_port_443_on_http() -> None:
    assert key("http://example.com:443/a") == "example.com:443/a"


def test_it_treats_an_empty_port_as_the_default() -> None:
    assert key("http://example.com:/a") == "example.com/a"


def test_it_drops_userinfo_from_key_and_url() -> None:
    normalized = normalize_url("http://user:secret@example.com/a")
    assert normalized.url == "http://example.com/a"
    assert normalized.key == "example.com/a"


def test_it_takes_the_host_after_the_last_at_sign() -> None:
    assert normalize_url("http://bank.example@evil.example/").host == "evil.example"


def test_it_ends_the_host_at_a_backslash_as_browsers_do() -> None:
    assert normalize_url("http://evil.example\\@bank.example/").host == "evil.example"


def test_it_drops_the_fragment() -> None:
    assert normalize_url("http://example.com/a#frag").url == "http://example.com/a"


# --- normalize_url: host ---------------------------------------------------------


def test_it_lowercases_the_host() -> None:
    assert normalize_url("http://WWW.Example.COM/").host == "www.example.com"


def test_it_removes_the_trailing_dot_of_the_host() -> None:
    assert key("http://example.com./a") == "example.com/a"


def test_it_maps_fullwidth_characters_and_ideographic_dots() -> None:
    assert normalize_url("https://ＥＸＡＭＰＬＥ。ｃｏｍ/").host == "example.com"


def test_it_uses_non_transitional_idna_for_sharp_s() -> None:
    assert normalize_url("http://faß.de/").host == "xn--fa-hia.de"


def test_it_gives_unicode_and_a_label_hosts_the_same_key() -> None:
    assert key("http://bücher.example/") == key("http://XN--BCHER-KVA.example/")


def test_it_accepts_underscores_in_host_labels() -> None:
    assert normalize_url("http://_dmarc.example.com/").host == "_dmarc.example.com"


def test_it_converts_unicode_labels_next_to_underscore_labels() -> None:
    assert normalize_url("http://a_b.bücher.example/").host == "a_b.xn--bcher-kva.example"


def test_it_decodes_percent_escapes_in_the_host() -> None:
    assert normalize_url("http://ex%61mple.com/").host == "example.com"


def test_it_keeps_an_ipv4_host_as_a_dotted_quad() -> None:
    assert key("http://198.51.100.7:8080/x") == "198.51.100.7:8080/x"


def test_it_reads_numeric_ipv4_hosts_as_browsers_do() -> None:
    assert normalize_url("http://3232235777/").host == "192.168.1.1"
    assert normalize_url("http://0xc0.0250.1.1/").host == "192.168.1.1"


def test_it_compresses_ipv6_literals() -> None:
    normalized = normalize_url("http://[2001:DB8:0:0::1]:8443/a")
    assert normalized.host == "2001:db8::1"
    assert normalized.key == "[2001:db8::1]:8443/a"
    assert normalized.url == "http://[2001:db8::1]:8443/a"


# --- normalize_url: path and query ---------------------------------------------


def test_it_percent_encodes_characters_outside_the_uri_set() -> None:
    assert key("http://example.com/a b/ロ") == "example.com/a%20b/%E3%83%AD"


def test_it_decodes_escapes_of_unreserved_characters() -> None:
    assert key("http://example.com/%7Euser/%41-%5f") == "example.com/~user/A-_"


def test_it_uppercases_other_escapes() -> None:
    assert key("http://example.com/a%2fb%e3%83%ad") == "example.com/a%2Fb%E3%83%AD"


def test_it_gives_raw_and_escaped_non_ascii_paths_the_same_key() -> None:
    assert key("http://example.com/ロ") == key("http://example.com/%e3%83%ad")


def test_it_escapes_a_stray_percent_sign() -> None:
    assert key("http://example.com/100%") == "example.com/100%25"


def test_it_removes_dot_segments() -> None:
    assert key("http://example.com/a/./b/../../c") == "example.com/c"


def test_it_removes_escaped_dot_segments() -> None:
    assert key("http://example.com/a/%2E%2e/b") == "example.com/b"


def test_it_turns_an_empty_path_into_a_slash() -> None:
    assert key("http://example.com") == "example.com/"
    assert key("http://example.com?q") == "example.com/"


def test_it_removes_trailing_slashes() -> None:
    assert key("http://example.com/a/") == "example.com/a"
    assert key("http://example.com/a//") == "example.com/a"


def test_it_keeps_path_case() -> None:
    assert key("http://example.com/Login") == "example.com/Login"


def test_it_keeps_the_query_in_the_url_but_not_in_the_key() -> None:
    normalized = normalize_url("http://example.com/a?b=%7e&c=%2f")
    assert normalized.url == "http://example.com/a?b=~&c=%2F"
    assert normalized.key == "example.com/a"


def test_it_keeps_a_decoded_dot_in_brackets_from_being_refanged_later() -> None:
    normalized = normalize_url("http://example.com/a(%2E)b")
    assert normalized.path == "/a%28.%29b"
    assert normalize_url(normalized.url) == normalized


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/a/b/c/./../../g", "/a/g"),
        ("/mid/content=5/../6", "/mid/6"),
        ("/../a", "/a"),
        ("/a/..", "/"),
        ("/a/b/.", "/a/b/"),
        ("/.well-known/x", "/.well-known/x"),
    ],
)
def test_it_removes_dot_segments_as_rfc_3986_does(path: str, expected: str) -> None:
    assert remove_dot_segments(path) == expected


# --- normalize_url: errors -----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("https:///x", "no host in 'https:///x'"),
        ("http://example.com:99999/", "invalid port '99999'"),
        ("http://example.com:8o/", "invalid port '8o'"),
        ("http://exa mple.com/", "invalid character ' '"),
        ("http://ex..com/", "empty label"),
        ("http://2001:db8::1/", "IPv6 address without brackets"),
        ("http://[2001:db8::g]/", "not an IPv6 address"),
        ("http://[2001:db8::1/", "bad IPv6 literal"),
        ("http://256.1.1.1/", "IPv4 address out of range"),
        ("http://example.123/", "'example' is not an IPv4 number"),
        ("http://xn--zz.com/", "bad IDNA label 'xn--zz'"),
        ("http://a\u200db.example/", "not valid IDNA"),
        ("mailto:abuse@example.com", "no '//' after 'mailto:'"),
        ("http:/example.com", "no '//' after 'http:'"),
    ],
)
def test_it_rejects_what_is_not_a_url(url: str, message: str) -> None:
    with pytest.raises(NormalizationError, match="not a valid") as error:
        normalize_url(url)
    assert message in str(error.value)


# --- normalize_host, canonical_ip -----------------------------------------------


def test_normalize_host_lowercases_converts_and_drops_the_trailing_dot() -> None:
    assert normalize_host(" WWW.Bücher[.]example. ") == "www.xn--bcher-kva.example"


def test_normalize_host_accepts_ipv6_with_or_without_brackets() -> None:
    assert normalize_host("2001:DB8::0:1") == "2001:db8::1"
    assert normalize_host("[2001:DB8::0:1]") == "2001:db8::1"


def test_normalize_host_rejects_a_host_with_a_port() -> None:
    with pytest.raises(NormalizationError):
        normalize_host("example.com:8080")


def test_canonical_ip_refangs_and_keeps_ipv4_as_a_dotted_quad() -> None:
    assert canonical_ip(" 198[.]18[.]0[.]5 ") == "198.18.0.5"


def test_canonical_ip_compresses_ipv6_and_accepts_brackets() -> None:
    assert canonical_ip("[2001:0DB8:0000:0000:0000:0000:0000:0001]") == "2001:db8::1"


@pytest.mark.parametrize("ip", ["10.0.0.1", "192.0.2.1", "198.18.0.5", "2001:db8::1", "::1"])
def test_canonical_ip_accepts_any_range(ip: str) -> None:
    assert canonical_ip(ip) == ip


@pytest.mark.parametrize("ip", ["", "256.0.0.1", "example.com", "1.2.3", "010.0.0.1", "[1.2.3.4"])
def test_canonical_ip_rejects_what_is_not_an_address(ip: str) -> None:
    with pytest.raises(NormalizationError, match="not a valid IP address"):
        canonical_ip(ip)


# --- parse_port ---------------------------------------------------------------------


def test_parse_port_reads_port_and_protocol() -> None:
    assert parse_port("22/tcp") == (22, "tcp")
    assert parse_port("5060/UDP") == (5060, "udp")
    assert parse_port(" 3868/sctp ") == (3868, "sctp")


def test_parse_port_assumes_tcp_for_a_bare_number() -> None:
    assert parse_port("22") == (22, "tcp")


@pytest.mark.parametrize("value", ["65536/tcp", "-1/tcp", "x/tcp", "/tcp", "", "٢٢/tcp"])
def test_parse_port_rejects_a_port_out_of_range(value: str) -> None:
    with pytest.raises(NormalizationError, match="not a valid port"):
        parse_port(value)


def test_parse_port_rejects_an_unknown_protocol() -> None:
    with pytest.raises(NormalizationError, match="unknown protocol"):
        parse_port("22/quic")


# --- incident_key ---------------------------------------------------------------------


def test_it_lists_the_eight_categories_in_order() -> None:
    assert CATEGORIES == (
        "phishing",
        "defacement",
        "malware_site",
        "scan",
        "dos",
        "ics",
        "targeted_attack",
        "other",
    )
    assert CATEGORIES[:3] == SITE_CATEGORIES


@pytest.mark.parametrize("category", SITE_CATEGORIES)
def test_site_categories_are_keyed_by_url(category: str) -> None:
    assert incident_key(category, url="hxxps://example[.]com/login/") == "example.com/login"


@pytest.mark.parametrize("category", SITE_CATEGORIES)
def test_site_categories_need_a_url(category: str) -> None:
    with pytest.raises(NormalizationError, match="needs a URL"):
        incident_key(category, ip="192.0.2.1")


def test_scan_is_keyed_by_the_source_ip() -> None:
    assert incident_key("scan", ip="2001:db8:0::5") == "2001:db8::5"


def test_scan_needs_an_ip() -> None:
    with pytest.raises(NormalizationError, match="source IP"):
        incident_key("scan", url="http://example.com/")


def test_dos_is_keyed_by_the_target_ip_first() -> None:
    assert incident_key("dos", ip="192.0.2.1", url="http://example.com/") == "192.0.2.1"


def test_dos_without_an_ip_is_keyed_by_the_target_host() -> None:
    assert incident_key("dos", url="https://WWW.Example.go.jp/top") == "www.example.go.jp"


def test_dos_gives_an_ip_and_a_url_on_that_ip_the_same_key() -> None:
    assert incident_key("dos", url="http://[2001:db8::1]/") == incident_key("dos", ip="2001:db8::1")


def test_dos_needs_an_ip_or_a_url() -> None:
    with pytest.raises(NormalizationError, match="target"):
        incident_key("dos", ip="", url=None)


@pytest.mark.parametrize("category", ["ics", "targeted_attack", "other"])
def test_other_categories_have_no_key(category: str) -> None:
    assert incident_key(category, url="http://example.com/", ip="192.0.2.1") is None


def test_an_unknown_category_is_an_error() -> None:
    with pytest.raises(NormalizationError, match="unknown category 'spam'"):
        incident_key("spam", url="http://example.com/")


# --- properties ----------------------------------------------------------------------

LABEL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFXYZ0123456789üéßÜあいうログイン確認例"
labels = st.builds(
    lambda head, tail: f"{head}-{tail}" if tail else head,
    st.text(LABEL_CHARS, min_size=1, max_size=8),
    st.text(LABEL_CHARS, max_size=4),
)
domains = st.builds(
    lambda parts, tld: ".".join([*parts, tld]),
    st.lists(labels, min_size=1, max_size=3),
    st.sampled_from(["com", "jp", "co.jp", "example", "ＪＰ"]),
)
ipv4_hosts = st.ip_addresses(v=4).map(str)
ipv6_hosts = st.ip_addresses(v=6).map(lambda a: f"[{a.exploded}]")
path_chars = st.characters(exclude_characters="?#", codec="utf-8")
segments = st.one_of(
    st.text(path_chars, max_size=6),
    st.sampled_from([".", "..", "%2e", "%2E%2e", "%41", "%7e", "%zz", "%", "(%2E)", "[dot]"]),
)
paths = st.lists(segments, max_size=5).map(lambda s: "/" + "/".join(s))
queries = st.one_of(st.just(""), st.text(path_chars, max_size=8).map(lambda q: "?" + q))
ports = st.one_of(st.just(""), st.integers(0, 65535).map(lambda p: f":{p}"))
schemes = st.sampled_from(["http", "https", "HTTP", "hTtPs"])


@st.composite
def urls(draw: st.DrawFn, hosts: st.SearchStrategy[str]) -> tuple[str, str, str, str, str]:
    return (draw(schemes), draw(hosts), draw(ports), draw(paths), draw(queries))


def join(scheme: str, host: str, port: str, path: str, query: str) -> str:
    return f"{scheme}://{host}{port}{path}{query}"


@given(urls(st.one_of(domains, ipv4_hosts, ipv6_hosts)))
def test_normalizing_a_normalized_url_changes_nothing(
    parts: tuple[str, str, str, str, str],
) -> None:
    normalized = normalize_url(join(*parts))
    assert normalize_url(normalized.url) == normalized


@st.composite
def defanged(draw: st.DrawFn, parts: tuple[str, str, str, str, str]) -> str:
    scheme, host, port, path, query = parts
    if draw(st.booleans()):
        scheme = scheme[0] + draw(st.sampled_from(["xx", "XX", "xX"])) + scheme[3:]
    separator = draw(st.sampled_from(["://", "[://]"]))
    dots = st.sampled_from([".", "[.]", "(.)", "{.}", "[dot]", "[DOT]"])
    host = "".join(draw(dots) if char == "." else char for char in host)
    if port:
        port = draw(st.sampled_from([":", "[:]"])) + port[1:]
    padding = draw(st.sampled_from(["", " ", "\t", "\n "]))
    return f"{padding}{scheme}{separator}{host}{port}{path}{query}{padding}"


@given(st.data(), urls(st.one_of(domains, ipv4_hosts)))
def test_every_defanged_form_has_the_key_of_the_url(
    data: st.DataObject, parts: tuple[str, str, str, str, str]
) -> None:
    assert key(data.draw(defanged(parts))) == key(join(*parts))


plain_urls = st.one_of(
    st.from_regex(
        r"https?://[A-Za-z0-9\-]{1,6}(\.[A-Za-z0-9\-]{1,6}){1,3}(/[a-z0-9\-._~/]{0,12})?"
        r"(#[a-z?#/ \[\].]{0,6})?",
        fullmatch=True,
    ),
    st.builds(
        lambda scheme, host, segments: f"{scheme}://{host}/" + "/".join(segments),
        st.sampled_from(["http", "https"]),
        st.sampled_from(["example.com", "a.0x1f", "b.co.jp", "xn--wgv71a.jp", "1.2.3.4", "-x.jp", "A.0X1F", "XN--WGV71A.JP"]),
        st.lists(st.sampled_from([".", "..", "", "a", ".well-known", "b~c", "x."]), max_size=5),
    ),
)  # fmt: skip


@given(plain_urls)
def test_the_plain_url_shortcut_agrees_with_the_general_parser(url: str) -> None:
    plain = _plain_url(url)
    if plain is not None:
        assert plain == _normalize_any_url(url)


def test_the_plain_url_shortcut_takes_the_common_case() -> None:
    assert _plain_url("https://login.example.co.jp/a/./b/../c/") is not None
    assert _plain_url("http://1.2.3.4/") is None  # IPv4 numbers: the general parser


@given(st.ip_addresses())
def test_canonical_ip_is_idempotent(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    once = canonical_ip(address.exploded)
    assert canonical_ip(once) == once
    assert canonical_ip(f"[{once}]" if address.version == 6 else once) == once


def test_it_keeps_a_registered_a_label_whose_unicode_form_is_not_valid_idna() -> None:
    # From JPCERT/CC's phishing URL list: Punycode for a name with a BOM in it.
    url = "https://xn--americaexpress-kza8d60c.example.com/"
    assert normalize_url(url).host == "xn--americaexpress-kza8d60c.example.com"
