"""Observables (URLs, domains, IP addresses, e-mail addresses, hashes) in free text.

Reports quote indicators defanged (`hxxp://`, `example[.]com`) and wrapped in
Japanese punctuation; this module refangs them and finds them without network
access. It runs on every message, so every pattern is compiled once, anchored
by a cheap look-behind where it could otherwise start at every character, and
free of nested unbounded repetition (a megabyte of hostile input stays linear).

Private, reserved and documentation addresses are kept, not dropped: a report
about 192.168.0.1 says something about the reporter. `ip_flags` says which.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from renkei.lib.errors import NormalizationError
from renkei.lib.html_text import html_to_text
from renkei.lib.normalize import ascii_forms, normalize_url, refang

# --- Refanging ----------------------------------------------------------------------

_DEFANGED = re.compile(
    r"(?P<scheme>\b(?:h(?:xx|\*\*)p|fxp)(?P<secure>s?)(?=\[?:))"
    # A space on either side goes too: "abuse [at] example [dot] com" is one address.
    r"|(?P<dot> ?[\[({［（]\s?(?:\.|．|dot)\s?[\])}］）] ?)"
    r"|(?P<sep>\[:\]|\[://\]|\[/\])"
    r"|(?P<at> ?[\[({]\s?(?:@|at)\s?[\])}] ?)",
    re.IGNORECASE,
)


def _refang_match(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "scheme":
        scheme = "ftp" if match.group().lower().startswith("f") else "http"
        return scheme + match.group("secure").lower()
    if kind == "dot":
        return "."
    if kind == "at":
        return "@"
    return match.group()[1:-1]  # "[:]" -> ":", "[://]" -> "://", "[/]" -> "/"


def refang_text(text: str) -> str:
    """Undo defanging anywhere in a text, not only at the start of one value."""
    return _refang_marking(text)[0]


def _refang_marking(text: str) -> tuple[str, list[int]]:
    """The text refanged, and where in it a defanged dot or separator was: a host
    written "evil[.]example/x" is an indicator, "readme.md/x" may not be."""
    marks: list[int] = []
    shift = 0  # how much shorter the result is than `text` so far

    def replace(match: re.Match[str]) -> str:
        nonlocal shift
        new = _refang_match(match)
        if match.lastgroup in ("dot", "sep"):
            marks.append(match.start() - shift)
        shift += len(match.group()) - len(new)
        return new

    return _DEFANGED.sub(replace, text), marks


# --- Top-level domains --------------------------------------------------------------

# Generic TLDs seen in reports (including the cheap ones phishers favour);
# country codes and IDN (xn--) TLDs are accepted on top of these.
# fmt: off
_GENERIC_TLDS = frozenset((
    "com", "net", "org", "info", "biz", "name", "pro", "mobi", "asia", "tel", "travel",
    "jobs", "aero", "coop", "museum", "cat", "gov", "edu", "mil", "int", "onion",
    "xyz", "top", "club", "online", "site", "shop", "store", "live", "app", "dev",
    "icu", "vip", "work", "click", "link", "fun", "space", "website", "tech", "cloud",
    "digital", "email", "today", "world", "life", "one", "news", "blog", "page",
    "host", "press", "buzz", "rest", "bond", "cyou", "cfd", "sbs", "quest", "lol",
    "mom", "monster", "best", "bar", "beauty", "hair", "skin", "makeup", "boats",
    "autos", "homes", "motorcycles", "yachts", "lat", "run", "guru", "global",
    "center", "company", "network", "support", "services", "solutions", "agency",
    "studio", "media", "group", "team", "zone", "ltd", "llc", "inc", "finance",
    "financial", "bank", "insurance", "money", "cash", "credit", "loans", "capital",
    "fund", "investments", "exchange", "market", "markets", "trade", "trading",
    "business", "ink", "wang", "win", "bid", "loan", "men", "date", "download",
    "review", "stream", "racing", "party", "science", "accountant", "cricket", "faith",
    "webcam", "gdn", "kim", "ren", "red", "blue", "pink", "black", "green", "gold",
    "plus", "tokyo", "osaka", "nagoya", "yokohama", "kyoto", "okinawa", "moe",
    "ryukyu", "systems", "software", "codes", "direct", "express", "art", "design",
    "photo", "pics", "pictures", "gallery", "academy", "social", "chat", "community",
    "care", "help", "health", "clinic", "events", "ventures", "city", "land", "estate",
    "properties", "realty", "house", "casa", "cafe", "restaurant", "pizza", "games",
    "game", "bet", "casino", "poker", "tips", "tools", "deals", "sale", "discount",
    "coupons", "delivery", "parcel", "post", "mail", "love", "dating", "porn", "sex",
    "xxx", "adult", "tube", "video", "audio", "radio", "music", "fit", "fitness",
    "yoga", "energy", "solar", "eco", "earth", "lgbt", "ngo", "foundation", "charity",
    "gift", "gifts", "shopping", "fashion", "clothing", "shoes", "watch", "watches",
    "jewelry", "luxury", "vin", "wine", "beer",
))
# fmt: on
# Delegated two-letter country-code TLDs (IANA root zone).
# fmt: off
_COUNTRY_TLDS = frozenset((
    "ac", "ad", "ae", "af", "ag", "ai", "al", "am", "ao", "aq", "ar", "as", "at", "au",
    "aw", "ax", "az", "ba", "bb", "bd", "be", "bf", "bg", "bh", "bi", "bj", "bm", "bn",
    "bo", "bq", "br", "bs", "bt", "bw", "by", "bz", "ca", "cc", "cd", "cf", "cg", "ch",
    "ci", "ck", "cl", "cm", "cn", "co", "cr", "cu", "cv", "cw", "cx", "cy", "cz", "de",
    "dj", "dk", "dm", "do", "dz", "ec", "ee", "eg", "er", "es", "et", "eu", "fi", "fj",
    "fk", "fm", "fo", "fr", "ga", "gb", "gd", "ge", "gf", "gg", "gh", "gi", "gl", "gm",
    "gn", "gp", "gq", "gr", "gs", "gt", "gu", "gw", "gy", "hk", "hm", "hn", "hr", "ht",
    "hu", "id", "ie", "il", "im", "in", "io", "iq", "ir", "is", "it", "je", "jm", "jo",
    "jp", "ke", "kg", "kh", "ki", "km", "kn", "kp", "kr", "kw", "ky", "kz", "la", "lb",
    "lc", "li", "lk", "lr", "ls", "lt", "lu", "lv", "ly", "ma", "mc", "md", "me", "mg",
    "mh", "mk", "ml", "mm", "mn", "mo", "mp", "mq", "mr", "ms", "mt", "mu", "mv", "mw",
    "mx", "my", "mz", "na", "nc", "ne", "nf", "ng", "ni", "nl", "no", "np", "nr", "nu",
    "nz", "om", "pa", "pe", "pf", "pg", "ph", "pk", "pl", "pm", "pn", "pr", "ps", "pt",
    "pw", "py", "qa", "re", "ro", "rs", "ru", "rw", "sa", "sb", "sc", "sd", "se", "sg",
    "sh", "si", "sk", "sl", "sm", "sn", "so", "sr", "ss", "st", "su", "sv", "sx", "sy",
    "sz", "tc", "td", "tf", "tg", "th", "tj", "tk", "tl", "tm", "tn", "to", "tr", "tt",
    "tv", "tw", "tz", "ua", "ug", "uk", "us", "uy", "uz", "va", "vc", "ve", "vg", "vi",
    "vn", "vu", "wf", "ws", "ye", "yt", "za", "zm", "zw",
))
# fmt: on
# Real TLDs that are also file extensions: a bare "invoice.zip" is a file name.
_FILE_LIKE_TLDS = frozenset({"zip", "mov"})
# Names that never resolve on the Internet; a URL on them is not an observable host.
_INTERNAL_TLDS = frozenset(
    {"local", "localhost", "localdomain", "lan", "internal", "intranet", "corp", "home"}
    | {"test", "example", "invalid", "arpa"}
)


def _tld_ok(tld: str, *, in_url: bool) -> bool:
    tld = tld.lower()
    if tld.startswith("xn--") or tld in _COUNTRY_TLDS:
        return True
    if in_url:  # a URL is strong context: any public-looking TLD will do
        return tld.isalpha() and tld not in _INTERNAL_TLDS
    return tld in _GENERIC_TLDS and tld not in _FILE_LIKE_TLDS


# --- Patterns -----------------------------------------------------------------------

# ASCII matters as much as case: with Unicode case folding, [a-z] also matches
# the Kelvin sign and a negated range can exclude "i" (it folds to U+0130).
_ASCII_NOCASE = re.IGNORECASE | re.ASCII
# URLs stop at the first non-ASCII character: Japanese text and full-width
# brackets (「」（）) often follow a URL without a space. They also stop before
# "](": in Markdown, "[https://a.example/x](https://a.example/x)" is link text
# and target, not one URL. Other "]" stay (IPv6 hosts, "ids[]=1"); "]" is not in
# the character class, so the two alternatives never overlap and matching stays linear.
_URL_CHAR = r"[^\s<>\"'`{}|\\^\]\x00-\x1f\x7f-\U0010ffff]"
_URL_REST = rf"(?:\](?!\(){_URL_CHAR}*)*"
_URL = re.compile(rf"\b(?:https?|ftp)://{_URL_CHAR}+{_URL_REST}", re.IGNORECASE | re.ASCII)
# A host of non-ASCII labels (アマゾン-ログイン.com) is read up to its ASCII top-level
# domain; Japanese may touch it on either side ("見てhttps://...comです"), as in
# running Japanese text. An ASCII host is left to _URL. What follows the host is
# read as in _URL.
_IDN_URL = re.compile(  # no IGNORECASE: Unicode case folding would let "s" match "ſ"
    r"(?<![A-Za-z0-9_])(?:[hH][tT][tT][pP][sS]?|[fF][tT][pP])://(?=[^\s/?#]*?[^\x00-\x7f])"
    r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[a-zA-Z]{2,24}(?![A-Za-z0-9_-])(?::[0-9]{1,5})?"
    rf"(?:[/?#]{_URL_CHAR}*{_URL_REST})?"
)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = rf"(?:{_LABEL}\.)+(?:xn--[a-z0-9-]{{1,59}}|[a-z]{{2,24}})"
# Not before "@" or "+tag@": "support.jp@example.com" names one domain, not two.
_DOMAIN = re.compile(
    rf"(?<![a-z0-9_.\-])({_HOSTNAME})(?![a-z0-9_\-@]|\.[a-z0-9]|\+[a-z0-9._%+\-]{{0,64}}@)",
    _ASCII_NOCASE,
)
_EMAIL = re.compile(rf"(?<![a-z0-9._%+\-])([a-z0-9._%+\-]{{1,64}})@({_HOSTNAME})\b", _ASCII_NOCASE)
_IPV4 = re.compile(r"(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9]|\.[0-9])")
_IPV6 = re.compile(
    r"(?<![0-9a-f:.])(?:[0-9a-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9a-f]{0,4})"
    r"(?![0-9a-f:])",
    _ASCII_NOCASE,
)
# Any run of hex digits standing alone; its length decides which hash it is,
# so a 100-digit run is never read as a 32-digit MD5.
_HEX_RUN = re.compile(r"(?<![0-9a-z])[0-9a-f]{32,}(?![0-9a-z])", _ASCII_NOCASE)
_HASH_KIND = {32: "md5", 40: "sha1", 64: "sha256"}
# A host and a path with no scheme ("evil[.]example/login.php" once refanged),
# not inside a path, an address or another URL.
_BARE_URL = re.compile(
    rf"(?<![a-z0-9_.\-@/:%+\\])({_HOSTNAME}|(?:\d{{1,3}}\.){{3}}\d{{1,3}})"
    rf"(?::\d{{1,5}})?/{_URL_CHAR}*{_URL_REST}",
    _ASCII_NOCASE,
)
# Country codes that are also file extensions: undefanged, "README.md/" or
# "setup.py/" is a file name before a slash, not a host.
_FILE_LIKE_COUNTRY_TLDS = frozenset({"md", "py", "sh", "pl", "pm", "rs", "so"})
_URL_TAIL = frozenset(".,;:!?'\"*>")
_CLOSERS = {")": "(", "]": "[", "}": "{"}
# A URL never ends in an opening bracket: "https://x.example/a(ログイン)" is the URL
# "https://x.example/a" and a remark in brackets that touches it.
_OPENERS = frozenset("([{")

_DOCUMENTATION_NETS = tuple(
    ipaddress.ip_network(net)
    for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")
)


def ip_flag(address: str) -> str:
    """What kind of address this is, for triage."""
    ip = ipaddress.ip_address(address)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if ip.is_multicast:
        return "multicast"
    if any(ip.version == net.version and ip in net for net in _DOCUMENTATION_NETS):
        return "documentation"
    if ip.is_reserved or ip.is_unspecified:
        return "reserved"
    if ip.is_private:
        return "private"
    return "global" if ip.is_global else "reserved"


def trim_url(url: str) -> str:
    """Drop punctuation a sentence put after a URL; keep balanced closing brackets
    (Wikipedia-style `/wiki/Foo_(bar)`)."""
    end = len(url)
    counts: dict[str, int] = {}  # brackets in url[:end], counted once: a hostile tail of
    # a million ")" would otherwise be counted again for each one dropped
    while end:
        last = url[end - 1]
        if last in _URL_TAIL or last in _OPENERS:
            if counts and last in _OPENERS:
                counts[last] -= 1
            end -= 1
            continue
        opener = _CLOSERS.get(last)
        if opener is None:
            break
        if not counts:
            counts = {char: url.count(char, 0, end) for char in "()[]{}"}
        if counts[opener] >= counts[last]:
            break
        counts[last] -= 1
        end -= 1
    return url[:end]


# --- Result -------------------------------------------------------------------------


@dataclass(frozen=True)
class Observables:
    urls: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    ipv4: list[str] = field(default_factory=list)
    ipv6: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    md5: list[str] = field(default_factory=list)
    sha1: list[str] = field(default_factory=list)
    sha256: list[str] = field(default_factory=list)
    ip_flags: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in KINDS}


KINDS: tuple[str, ...] = ("urls", "domains", "ipv4", "ipv6", "emails", "md5", "sha1", "sha256")


class _Found:
    """Per kind, each value with the position it was first seen at.

    Scanners run one kind after another, so order of appearance is restored
    from positions at the end. Links from HTML attributes have no position in
    the text and come after it, in their own order.
    """

    def __init__(self, text_length: int) -> None:
        self.kinds: dict[str, dict[str, int]] = {kind: {} for kind in KINDS}
        self.url_spans: list[tuple[int, int]] = []
        self.authority_ends: dict[int, int] = {}  # by URL start, as _is_user_info needs them
        self.link_position = text_length

    def add(self, kind: str, value: str, at: int) -> None:
        seen = self.kinds[kind]
        if at < seen.get(value, at + 1):
            seen[value] = at

    def add_url(self, url: str, at: int) -> None:
        try:
            host = normalize_url(url).host
        except NormalizationError:
            return
        if self.add_ip(host, at) or self.add_domain(host, at, in_url=True):
            self.add("urls", url, at)

    def add_ip(self, text: str, at: int) -> bool:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # "::ffff:8.8.8.8", as dual-stack servers log IPv4 clients
        self.add("ipv4" if ip.version == 4 else "ipv6", ip.compressed, at)
        return True

    def add_domain(self, host: str, at: int, *, in_url: bool) -> bool:
        host = host.lower().rstrip(".")
        labels = host.split(".")
        if len(labels) < 2 or len(host) > 253 or not _tld_ok(labels[-1], in_url=in_url):
            return False
        self.add("domains", host, at)
        return True

    def url_span(self, at: int) -> tuple[int, int] | None:
        """The span of the URL found in the text that `at` lies inside (spans in order)."""
        index = bisect.bisect_right(self.url_spans, (at, sys.maxsize)) - 1
        if index >= 0 and at < self.url_spans[index][1]:
            return self.url_spans[index]
        return None

    def in_url(self, at: int) -> bool:
        return self.url_span(at) is not None

    def next_link_position(self) -> int:
        self.link_position += 1
        return self.link_position

    def result(self) -> Observables:
        lists = {kind: sorted(seen, key=seen.__getitem__) for kind, seen in self.kinds.items()}
        flags = {ip: ip_flag(ip) for ip in (*lists["ipv4"], *lists["ipv6"])}
        return Observables(
            urls=lists["urls"],
            domains=lists["domains"],
            ipv4=lists["ipv4"],
            ipv6=lists["ipv6"],
            emails=lists["emails"],
            md5=lists["md5"],
            sha1=lists["sha1"],
            sha256=lists["sha256"],
            ip_flags=flags,
        )


# --- Scanners -----------------------------------------------------------------------


def _with_lower_scheme(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return scheme.lower() + "://" + rest


def _url_matches(text: str) -> list[re.Match[str]]:
    """URLs in order; where an IDN URL starts, the ASCII reading of it is dropped."""
    idn = [] if text.isascii() else list(_IDN_URL.finditer(text))
    starts = {match.start() for match in idn}
    ascii_urls = (match for match in _URL.finditer(text) if match.start() not in starts)
    return sorted([*idn, *ascii_urls], key=lambda match: match.start())


def _scan_urls(text: str, found: _Found) -> None:
    for match in _url_matches(text):
        url = trim_url(match.group())
        found.url_spans.append((match.start(), match.start() + len(url)))
        found.add_url(_with_lower_scheme(url), match.start())


def _bare_host_ok(text: str, match: re.Match[str], marks: list[int]) -> bool:
    """Whether a schemeless host and path is a URL: a defanged host (a mark up to
    its "/") may have any public TLD, and be an IP address unless the path is a
    prefix length ("10[.]0[.]0[.]0/8"); a plain one needs a TLD that reads as
    a domain in text and is no file extension."""
    host, slash = match.group(1), text.index("/", match.end(1))
    index = bisect.bisect_left(marks, match.start())
    if index < len(marks) and marks[index] <= slash:
        return not host[-1].isdigit() or not text[slash + 1 : slash + 2].isdigit()
    tld = host.rsplit(".", 1)[1].lower()
    return _tld_ok(tld, in_url=False) and tld not in _FILE_LIKE_COUNTRY_TLDS


def _scan_bare_urls(text: str, marks: list[int], found: _Found) -> None:
    """URLs written without a scheme, read as http (what a browser assumes for a
    typed host). Runs after `_scan_urls`: a host in a URL's query is part of it."""
    if "/" not in text:
        return
    for match in _BARE_URL.finditer(text):
        at = match.start()
        if found.in_url(at) or not _bare_host_ok(text, match, marks):
            continue
        url = trim_url(match.group())
        found.url_spans.append((at, at + len(url)))
        found.add_url("http://" + url, at)
    found.url_spans.sort()


_URL_WHITESPACE = str.maketrans("", "", "\t\r\n")


def _scan_links(links: Iterable[str], found: _Found) -> None:
    """href/src values: absolute web URLs and mailto: addresses count."""
    for link in links:
        value = refang(link).translate(_URL_WHITESPACE)  # as browsers do
        scheme = value.partition("://")[0].lower()
        if scheme in ("http", "https", "ftp") and "://" in value:
            found.add_url(_with_lower_scheme(value), found.next_link_position())
        elif value[:7].lower() == "mailto:":
            address = value[7:].split("?", 1)[0]
            _scan_emails(address, found, offset=found.next_link_position())


def _scan_domains(text: str, found: _Found) -> None:
    if "." not in text:
        return
    for match in _DOMAIN.finditer(text):
        at = match.start()
        # "nchen.de" of "https://münchen.de/": in a URL, a non-ASCII letter before
        # it means the ASCII is only the end of a label (its host was added whole).
        if at and not text[at - 1].isascii() and found.in_url(at):
            continue
        found.add_domain(match.group(1), at, in_url=False)


_AUTHORITY_END = re.compile(r"[/?#]")


def _is_user_info(text: str, at_sign: int, found: _Found) -> bool:
    """Whether the "@" at `at_sign` ends the user (and password) of a URL,
    "http://user:pass@host/": no "/", "?" or "#" between the scheme and it.
    Each URL's authority is measured once: a URL may hold many addresses."""
    span = found.url_span(at_sign)
    if span is None:
        return False
    start, url_end = span
    end = found.authority_ends.get(start)
    if end is None:
        authority = text.index("://", start) + 3
        match = _AUTHORITY_END.search(text, authority, url_end)
        end = match.start() if match else url_end
        found.authority_ends[start] = end
    return at_sign < end


def _scan_emails(text: str, found: _Found, offset: int = 0) -> None:
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        local, domain = match.group(1).strip("."), match.group(2).lower()
        if not offset and _is_user_info(text, match.end(1), found):
            continue  # its host was listed with the URL
        if local and _tld_ok(domain.rsplit(".", 1)[1], in_url=True):
            at = offset + match.start()
            found.add("emails", f"{local.lower()}@{domain}", at)
            found.add_domain(domain, at, in_url=True)


_FULL_IPV6_HINT = re.compile(r"[0-9a-f]:[0-9a-f]{1,4}:[0-9a-f]{1,4}:", _ASCII_NOCASE)


def _scan_ips(text: str, found: _Found) -> None:
    for match in _IPV4.finditer(text):
        found.add_ip(match.group(), match.start())
    if "::" not in text and _FULL_IPV6_HINT.search(text) is None:
        return
    for match in _IPV6.finditer(text):
        candidate = match.group()
        groups = [group for group in candidate.split(":") if group]
        # "std::cout" and "d::c" are valid IPv6; real addresses carry more digits.
        if len(groups) >= 2 and sum(map(len, groups)) >= 4:
            found.add_ip(candidate, match.start())


# What may follow a hex run up to the "@" of the local part it belongs to.
_TO_AT_SIGN = re.compile(r"[a-z0-9._%+\-=]{0,64}@", _ASCII_NOCASE)


def _is_hash_like(value: str) -> bool:
    """Digits and letters both: a random MD5 lacks either with a chance of about
    3 in 10 million, while long order and tracking numbers (all digits) and fill
    such as "ffff..." are common."""
    return not (value.isdigit() or value.isalpha())


def _scan_hashes(text: str, found: _Found) -> None:
    """Hex runs inside URLs are tracking tokens, not file hashes; before an "@"
    they are the local part of a Message-ID or address ("<hex@host>")."""
    for match in _HEX_RUN.finditer(text):
        kind = _HASH_KIND.get(len(match.group()))
        if kind is None or not _is_hash_like(match.group()) or found.in_url(match.start()):
            continue
        if _TO_AT_SIGN.match(text, match.end()):
            continue
        found.add(kind, match.group().lower(), match.start())


def extract_observables(
    text: str, *, html: str = "", extra_urls: Iterable[str] = ()
) -> Observables:
    """Observables in `text`, in the visible text and links of `html`, and in
    `extra_urls` (links the caller already has, such as a parsed message's)."""
    links = list(extra_urls)
    if html:
        html_text, html_links = html_to_text(html)
        text = f"{text}\n{html_text}"
        links.extend(html_links)
    text, marks = _refang_marking(ascii_forms(text))
    found = _Found(len(text))
    _scan_urls(text, found)
    _scan_bare_urls(text, marks, found)
    _scan_links(links, found)
    _scan_domains(text, found)
    _scan_emails(text, found)
    _scan_ips(text, found)
    _scan_hashes(text, found)
    return found.result()
