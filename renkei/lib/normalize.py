"""Refanging and normalization of URLs, hosts and addresses; incident keys.

Implements EXCHANGE-FORMAT.md, "Normalization and incident keys": two reports
about the same site, address or target must produce the same key however they
were written (defanged, upper case, default port, percent-escaped, with a query
or a fragment).

Pure Python, no Django: the bulk importer calls `normalize_url` for every
line, so the hot path avoids `urllib.parse` and caches host conversion.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from typing import Any

import idna
import orjson

from renkei.lib.errors import NormalizationError, ValidationError

SITE_CATEGORIES: tuple[str, ...] = ("phishing", "defacement", "malware_site")
CATEGORIES: tuple[str, ...] = (
    *SITE_CATEGORIES,
    "scan",
    "dos",
    "ics",
    "targeted_attack",
    "other",
)
# Categories that never get an automatic key: an analyst links them.
KEYLESS_CATEGORIES: tuple[str, ...] = ("ics", "targeted_attack", "other")

PROTOCOLS: tuple[str, ...] = ("tcp", "udp", "sctp", "icmp")
DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443}
MAX_PORT = 65535


# --- Text --------------------------------------------------------------------

# PostgreSQL text and jsonb cannot hold U+0000; the raw report keeps the bytes.
NUL, REPLACEMENT = "\x00", "\ufffd"


def without_nul(text: str) -> str:
    """`text` with every NUL character replaced by U+FFFD (the replacement character)."""
    return text.replace(NUL, REPLACEMENT) if NUL in text else text


# How deep renkei keeps JSON data (a report's `extra`, an event): what stores and
# shows it walks it recursively, and parsers read 1,000 levels and more. Real
# reports nest a few levels (an IntelMQ event inside `extra.from_source`).
MAX_JSON_DEPTH = 32


def refuse_deep_json(value: Any, text: bytes | str) -> None:
    """ValidationError if `value` (parsed from `text`) nests deeper than MAX_JSON_DEPTH."""
    opened = text.count(b"{") + text.count(b"[") if isinstance(text, bytes) else (
        text.count("{") + text.count("[")
    )  # fmt: skip
    if opened > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
        raise ValidationError(f"nested deeper than {MAX_JSON_DEPTH} levels")


def _deeper_than(value: Any, limit: int) -> bool:
    # A loop, not recursion: the point is to refuse what recursion cannot walk.
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if not isinstance(item, dict | list):
            continue
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)
    return False


def json_without_nul(value: Any) -> Any:
    """A JSON-like value (strings, lists, dicts, nested) with no NUL in its strings or keys."""
    if isinstance(value, dict | list) and _holds_no_nul(value):
        return value
    return _json_replacing_nul(value)


def _holds_no_nul(value: dict[Any, Any] | list[Any]) -> bool:
    # orjson writes a NUL of a string or key as \u0000, and a dict or list in a
    # fraction of the time the walk below takes (every report's `extra` passes here).
    try:
        return b"\\u0000" not in orjson.dumps(value)
    except TypeError:  # a key that is not text, an integer over 64 bits: walk it
        return False


def _json_replacing_nul(value: Any) -> Any:
    if isinstance(value, str):
        return without_nul(value)
    if isinstance(value, dict):
        return {_json_replacing_nul(k): _json_replacing_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_replacing_nul(item) for item in value]
    return value


# --- Refanging ---------------------------------------------------------------

# The forms observables.refang_text undoes in free text, so that a URL quoted in a
# report and the same URL sent in a report's url field are the same URL.
_HXXP = re.compile(r"h(?:xx|\*\*)p(s?)(?=[:\[]|$)", re.IGNORECASE)
_FANGS = re.compile(
    r"\[://\]|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\[:\]|\[/\]", re.IGNORECASE
)
_UNFANGED = {"[://]": "://", "[:]": ":", "[/]": "/"}


def _unfang(match: re.Match[str]) -> str:
    return _UNFANGED.get(match.group(), ".")


# Japanese input methods type Latin letters, digits and `.@:/` in full width
# (ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ); NFKC and browsers read them as ASCII. One
# character for one keeps every position in the text.
_FULL_WIDTH = re.compile("[\uff01-\uff5e]+")
_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_SCHEME_START = re.compile(r"[a-z][a-z0-9+.\-]*:", re.IGNORECASE)


def ascii_forms(text: str) -> str:
    """`text` with full-width ASCII characters (U+FF01-U+FF5E) made ASCII."""
    if text.isascii():
        return text
    return _FULL_WIDTH.sub(lambda match: match.group().translate(_TO_ASCII), text)


def _typed_in_full_width(text: str) -> str:
    """A URL typed in full width from its scheme on, as the ASCII it stands for.

    Only such text: no parser read a full-width scheme, so no URL read before
    (and no incident key stored) changes; full-width letters in the path of a
    URL with an ASCII scheme are left as the site's own.
    """
    if not text or not "\uff01" <= text[0] <= "\uff5e":
        return text
    typed = ascii_forms(text)
    return typed if _SCHEME_START.match(typed) else text


def refang(value: str) -> str:
    """Undo the usual defanging (`hxxp`, `h**p`, `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`,
    `{dot}`, `[:]`, `[://]`, `[/]`) and a URL typed in full width."""
    text = _typed_in_full_width(value.strip())
    match = _HXXP.match(text)
    if match:
        text = "http" + match.group(1).lower() + text[match.end() :]
    return _FANGS.sub(_unfang, text)


# --- Percent-escapes and paths (RFC 3986) -----------------------------------

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Unreserved and reserved characters (RFC 3986 §2.2, §2.3), except `%`, `?`, `#`.
_URI_CHARS = r"A-Za-z0-9\-._~:/@!$&'()*+,;=\[\]"
# An escape, a stray `%`, or a run of characters outside the URI set.
_PATH_WORK = re.compile(rf"%[0-9A-Fa-f]{{2}}|%|[^{_URI_CHARS}%]+")
_QUERY_WORK = re.compile(rf"%[0-9A-Fa-f]{{2}}|%|[^{_URI_CHARS}?%]+")


def _percent_encode(text: str) -> str:
    return "".join(f"%{byte:02X}" for byte in text.encode("utf-8"))


def _fix_escape(match: re.Match[str]) -> str:
    text = match.group()
    if len(text) == 3 and text[0] == "%":
        char = chr(int(text[1:], 16))
        return char if char in _UNRESERVED else text.upper()
    # A stray `%` must become `%25`, or a second pass could read it as an escape.
    return _percent_encode(text)


def _fix_escapes(text: str, pattern: re.Pattern[str]) -> str:
    try:
        return pattern.sub(_fix_escape, text)
    except UnicodeEncodeError:
        raise NormalizationError(f"not a valid URL: unencodable character in {text!r}") from None


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, for an absolute path (one that starts with `/`)."""
    if "/." not in path:
        return path
    segments = path.split("/")[1:]
    output: list[str] = []
    for segment in segments:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")  # "/a/b/.." is the directory "/a/", not "/a"
    return "/" + "/".join(output)


_DELIM_ESCAPES = str.maketrans({"[": "%5B", "]": "%5D", "(": "%28", ")": "%29"})


def _escape_fangs(text: str) -> str:
    """Escape the brackets of `[.]`, `(.)`, ... left in a normalized path or query.

    Decoding `%2E` can spell `(.)`; unescaped, the next `refang` would turn it
    into `.` and normalizing a normalized URL would change its key.
    """
    if "[" not in text and "(" not in text:
        return text
    return _FANGS.sub(lambda match: match.group().translate(_DELIM_ESCAPES), text)


def _normalize_path(path: str) -> str:
    if path and not path.startswith("/"):
        path = "/" + path  # only after a backslash (see _URL_PARTS)
    path = remove_dot_segments(_fix_escapes(path, _PATH_WORK))
    # All trailing slashes go: removing only one would not be idempotent.
    return _escape_fangs(path.rstrip("/")) or "/"


# --- Hosts -------------------------------------------------------------------

_ASCII_HOST = re.compile(r"[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*")
_ASCII_LABEL = re.compile(r"[a-z0-9_\-]+")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_OCTAL_LABEL = re.compile(r"0[0-7]+")
_DECIMAL_LABEL = re.compile(r"0|[1-9][0-9]*")


# RFC 1035 §2.3.4 (and RFC 1123 §2.1): 63 octets a label, 253 the name in text form.
MAX_LABEL_LENGTH, MAX_HOST_LENGTH = 63, 253


def _fits_dns(host: str) -> bool:
    if len(host) <= MAX_LABEL_LENGTH:
        return True  # the usual case, and no label can be longer
    return len(host) <= MAX_HOST_LENGTH and all(
        len(label) <= MAX_LABEL_LENGTH for label in host.split(".")
    )


def _check_dns_lengths(host: str, raw: str) -> None:
    if len(host) > MAX_HOST_LENGTH:
        raise _host_error(f"longer than {MAX_HOST_LENGTH} characters", raw)
    if not _fits_dns(host):
        raise _host_error(f"a label is longer than {MAX_LABEL_LENGTH} characters", raw)


def _host_error(detail: str, raw: str) -> NormalizationError:
    return NormalizationError(f"not a valid host name: {detail} in {raw!r}")


def _check_ascii_label(label: str, raw: str) -> None:
    # Lenient like DNS (underscores, edge hyphens). An xn-- label must be real
    # Punycode, but its Unicode form need not be valid IDNA: such names are
    # registered and turn up in phishing lists (a BOM inside, for one).
    if not label:
        raise _host_error("empty label", raw)
    if not _ASCII_LABEL.fullmatch(label):
        bad = next(c for c in label if not _ASCII_LABEL.fullmatch(c))
        raise _host_error(f"invalid character {bad!r}", raw)
    if label.startswith("xn--") and not _is_real_punycode(label[4:]):
        raise _host_error(f"bad IDNA label {label!r} (not Punycode)", raw)


def _is_real_punycode(encoded: str) -> bool:
    """Decodes to non-ASCII text that encodes back to the same label."""
    try:
        decoded = encoded.encode("ascii").decode("punycode")
    except UnicodeError:
        return False
    return not decoded.isascii() and decoded.encode("punycode").decode("ascii") == encoded


def _to_a_labels_per_label(host: str, raw: str) -> str:
    try:
        mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
    except idna.IDNAError as err:
        raise _host_error(str(err), raw) from None
    labels = mapped.removesuffix(".").split(".")
    for index, label in enumerate(labels):
        if label.isascii():
            _check_ascii_label(label, raw)
            continue
        try:
            labels[index] = idna.alabel(label).decode("ascii")
        except idna.IDNAError as err:
            raise _host_error(f"label {label!r} is not valid IDNA ({err})", raw) from None
    return ".".join(labels)


def _to_a_labels(host: str, raw: str) -> str:
    """UTS #46 non-transitional; per label only when the whole name fails.

    The per-label pass keeps strict IDNA for non-ASCII labels but accepts ASCII
    labels browsers accept (`_dmarc`, `-login`), which strict IDNA rejects.
    """
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii").removesuffix(".")
    except idna.IDNAError:
        return _to_a_labels_per_label(host, raw)


def _ipv4_number(part: str, raw: str) -> int:
    # WHATWG URL "IPv4 number": 0x.. is hex, a leading 0 is octal.
    if part.startswith("0x") and _NUMERIC_LABEL.fullmatch(part):
        return int(part[2:] or "0", 16)
    if _OCTAL_LABEL.fullmatch(part):
        return int(part, 8)
    if _DECIMAL_LABEL.fullmatch(part):
        return int(part, 10)
    raise _host_error(f"{part!r} is not an IPv4 number", raw)


def _parse_ipv4(host: str, raw: str) -> str | None:
    """WHATWG URL IPv4 parser: `3232235777` and `0xc0.0250.1.1` are 192.168.1.1."""
    parts = host.split(".")
    if not _NUMERIC_LABEL.fullmatch(parts[-1]):
        return None
    if len(parts) > 4:
        raise _host_error("too many parts for an IPv4 address", raw)
    numbers = [_ipv4_number(part, raw) for part in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise _host_error("IPv4 address out of range", raw)
    value = numbers[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(numbers[:-1]))
    return str(ipaddress.IPv4Address(value))


def _address_text(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """IPv4 dotted, IPv6 compressed; an IPv4-mapped IPv6 address (`::ffff:198.18.0.5`,
    as dual-stack servers log IPv4 clients) is its IPv4 address: the same machine.

    Python 3.13 also changed how it writes mapped addresses (`::ffff:c612:5` before),
    so a key made from `str()` would change with the Python version.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return address.compressed


def _parse_ipv6(literal: str, raw: str) -> str:
    try:
        address = ipaddress.IPv6Address(literal)
    except ValueError:
        raise _host_error("not an IPv6 address", raw) from None
    if address.scope_id:
        raise _host_error("IPv6 zone identifiers are not supported", raw)
    return _address_text(address)


def _decode_host_escapes(host: str, raw: str) -> str:
    if "%" not in host:
        return host
    try:
        return re.sub(
            r"(?:%[0-9A-Fa-f]{2})+",
            lambda m: bytes.fromhex(m.group().replace("%", "")).decode("utf-8"),
            host,
        )
    except UnicodeDecodeError:
        raise _host_error("percent-escapes are not UTF-8", raw) from None


@functools.lru_cache(maxsize=1 << 16)
def _host_forms(raw: str) -> tuple[str, str]:
    """(bare host, host as written in a URL): they differ only for IPv6."""
    if raw.startswith("[") and raw.endswith("]"):
        bare = _parse_ipv6(raw[1:-1], raw)
        return bare, (f"[{bare}]" if ":" in bare else bare)
    host = _decode_host_escapes(raw, raw)
    if host.isascii():
        host = host.lower().removesuffix(".")
        if not _ASCII_HOST.fullmatch(host) or "xn--" in host:
            for label in host.split("."):
                _check_ascii_label(label, raw)
    else:
        host = _to_a_labels(host, raw)
    if not host:
        raise _host_error("empty host", raw)
    bare = _parse_ipv4(host, raw) or host
    _check_dns_lengths(bare, raw)
    return bare, bare


def normalize_host(value: str) -> str:
    """A host name, IPv4 or IPv6 address (bracketed or not) in key form.

    IPv6 comes back without brackets, so a DoS target given as a host has the
    same key as the same target given as an address.
    """
    text = refang(value)
    if not text:
        raise NormalizationError("not a valid host name: empty")
    if ":" in text and not text.startswith("["):
        return _parse_ipv6(text, text)
    return _host_forms(text)[0]


# --- URLs --------------------------------------------------------------------

_SCHEME_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_PORT_AFTER_HOST = re.compile(r"[0-9]+(?:[/?#]|$)")
# A backslash ends the authority as it does in browsers, so "a.com\\@b.com" is on a.com.
_URL_PARTS = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#\\]*)([^?#]*)(?:\?([^#]*))?")


@dataclass(frozen=True, slots=True)
class NormalizedUrl:
    url: str  # scheme, host, non-default port, path, query; no userinfo or fragment
    host: str  # A-labels, dotted quad, or compressed IPv6 without brackets
    port: int | None  # None when absent or the scheme's default
    path: str
    key: str  # host[:port] + path: the incident key of a site


def _with_scheme(text: str) -> str:
    """Add `http://` to `example.com/login` and `example.com:8080/x`."""
    if text.startswith("//"):
        return "http:" + text
    match = _SCHEME_PREFIX.match(text)
    if match is None:
        return "http://" + text
    if text.startswith("//", match.end()):
        return text
    if _PORT_AFTER_HOST.match(text, match.end()):
        return "http://" + text
    raise NormalizationError(f"not a valid URL: no '//' after {match.group()!r} in {text!r}")


def _parse_port(text: str, url: str) -> int | None:
    if not text:
        return None  # "http://host:/" is allowed by RFC 3986 and means the default
    if not text.isascii() or not text.isdigit() or int(text) > MAX_PORT:
        raise NormalizationError(f"not a valid URL: invalid port {text!r} in {url!r}")
    return int(text)


def _split_authority(authority: str, url: str) -> tuple[str, int | None]:
    hostport = authority.rpartition("@")[2]  # userinfo is never kept
    if hostport.startswith("["):
        host, bracket, rest = hostport.partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise NormalizationError(f"not a valid URL: bad IPv6 literal in {url!r}")
        return host + "]", _parse_port(rest[1:], url)
    host, colon, port = hostport.rpartition(":")
    if not colon:
        return hostport, None
    if ":" in host:
        raise NormalizationError(f"not a valid URL: IPv6 address without brackets in {url!r}")
    return host, _parse_port(port, url)


# Most URLs in bulk feeds are nearly in normal form: a lower-case scheme, an
# ASCII host, a path of unreserved characters, perhaps a fragment; no port,
# userinfo, query, escape or fang. They skip the general parser.
_PLAIN_URL = re.compile(
    r"(https?)://([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)(/[A-Za-z0-9\-._~/]*)?(?:#.*)?"
)
_NUMERIC_LAST_LABEL = re.compile(r"\.(?:[0-9]+|0x[0-9a-f]*)")


def _plain_url(value: str) -> NormalizedUrl | None:
    match = _PLAIN_URL.fullmatch(value)
    if match is None:
        return None
    scheme, host, raw_path = match.groups()
    host = host.lower()
    # Punycode is checked and numeric hosts are IPv4 numbers: the general path.
    if "xn--" in host or _NUMERIC_LAST_LABEL.fullmatch(host, host.rfind(".")):
        return None
    if not _fits_dns(host):
        return None  # the general path says why
    path = (remove_dot_segments(raw_path).rstrip("/") if raw_path else "") or "/"
    key = host + path
    return NormalizedUrl(url=f"{scheme}://{key}", host=host, port=None, path=path, key=key)


def normalize_url(value: str) -> NormalizedUrl:
    """Refang and normalize a URL; `key` is its site incident key."""
    plain = _plain_url(value)
    if plain is not None:
        return plain
    text = refang(value)  # a defanged URL is often plain underneath
    return (_plain_url(text) if text != value else None) or _normalize_refanged(text)


def _normalize_any_url(value: str) -> NormalizedUrl:
    return _normalize_refanged(refang(value))


def _normalize_refanged(text: str) -> NormalizedUrl:
    if not text:
        raise NormalizationError("not a valid URL: empty")
    text = _with_scheme(text)
    parts = _URL_PARTS.match(text)
    if parts is None:
        raise NormalizationError(f"not a valid URL: {text!r}")
    scheme, authority, raw_path, raw_query = parts.groups()
    scheme = scheme.lower()
    raw_host, port = _split_authority(authority, text)
    if not raw_host:
        raise NormalizationError(f"not a valid URL: no host in {text!r}")
    host, url_host = _host_forms(raw_host)
    if port == DEFAULT_PORTS.get(scheme):
        port = None
    hostport = url_host if port is None else f"{url_host}:{port}"
    path = _normalize_path(raw_path)
    query = _escape_fangs(_fix_escapes(raw_query, _QUERY_WORK)) if raw_query else ""
    url = f"{scheme}://{hostport}{path}?{query}" if query else f"{scheme}://{hostport}{path}"
    return NormalizedUrl(url=url, host=host, port=port, path=path, key=hostport + path)


# --- Addresses and ports -----------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def _canonical_ip(text: str) -> str:
    literal = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    try:
        address = ipaddress.ip_address(literal)
    except ValueError:
        raise NormalizationError(f"not a valid IP address: {text!r}") from None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        # A zone (`%eth0`, `%25eth0` as URLs escape it) names an interface of the
        # reporter's own machine: it is not part of the address.
        address = ipaddress.IPv6Address(int(address))
    return _address_text(address)


def canonical_ip(value: str) -> str:
    """IPv4 as a dotted quad (IPv4-mapped IPv6 too), IPv6 compressed without a zone;
    any range is accepted."""
    # Full-width digits and dots (１９２．０．２．１): no address was read from them before.
    return _canonical_ip(refang(ascii_forms(value)))


def parse_port(value: str) -> tuple[int, str]:
    """`22/tcp` -> (22, "tcp"); a bare `22` is TCP."""
    number, _, protocol = value.strip().partition("/")
    number, protocol = number.strip(), (protocol.strip().lower() or "tcp")
    if not number.isascii() or not number.isdigit() or int(number) > MAX_PORT:
        raise NormalizationError(f"not a valid port: {value!r} (expected 0-{MAX_PORT})")
    if protocol not in PROTOCOLS:
        raise NormalizationError(
            f"not a valid port: unknown protocol in {value!r} (expected {', '.join(PROTOCOLS)})"
        )
    return int(number), protocol


# --- Incident keys -----------------------------------------------------------


def _site_key(category: str, url: str | None) -> str:
    if not url or not url.strip():
        raise NormalizationError(f"a {category} report needs a URL")
    return normalize_url(url).key


def _dos_key(url: str | None, ip: str | None) -> str:
    if ip and ip.strip():
        return canonical_ip(ip)
    if url and url.strip():
        return normalize_url(url).host
    raise NormalizationError("a dos report needs a target IP address or URL")


def incident_key(category: str, *, url: str | None = None, ip: str | None = None) -> str | None:
    """The deduplication key of a report, or None when the category has none."""
    if category in SITE_CATEGORIES:
        return _site_key(category, url)
    if category == "scan":
        if not ip or not ip.strip():
            raise NormalizationError("a scan report needs a source IP address")
        return canonical_ip(ip)
    if category == "dos":
        return _dos_key(url, ip)
    if category in KEYLESS_CATEGORIES:
        return None
    raise NormalizationError(
        f"unknown category {category!r} (expected one of {', '.join(CATEGORIES)})"
    )
