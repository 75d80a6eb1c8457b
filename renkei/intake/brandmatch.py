"""Finding catalog brands named in a report: sender, subject, links, body; ja and en.

The brand catalog (Brand names and aliases, EXCHANGE-FORMAT.md) is matched
after NFKC normalization and case folding, as brand lookups are everywhere
else. Where a name is found says how much it counts: a brand in the sender's
display name or the subject is what a phishing mail imitates; in the body it
may be mentioned in passing. Aliases that look like domains (`amazon.co.jp`)
are the brand's own sites: a link there is genuine, one that merely contains
the brand's name in another domain is the classic lure.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max

from renkei.incidents.brands import brand_key
from renkei.incidents.models import Brand, BrandAlias
from renkei.intake.reasons import Reason, messages_of

# How much one place counts (combined as 1 - prod(1 - w)).
WEIGHTS: dict[str, float] = {
    "sender name": 0.6,
    "subject": 0.5,
    "sender domain": 0.35,
    "link host": 0.35,
    "body": 0.25,
}
_NAMED_IN = {
    "sender name": "brand %(brand)s named in the sender name%(times)s",
    "subject": "brand %(brand)s named in the subject%(times)s",
    "sender domain": "brand %(brand)s named in the sender domain%(times)s",
    "link host": "brand %(brand)s named in the link host%(times)s",
    "body": "brand %(brand)s named in the body%(times)s",
}  # the reason for each place, one message each so that each translates whole
BODY_REPEAT_BONUS = 0.05  # per further mention in the body, up to 3
# Names that are everyday words: they count only where a brand is named on
# purpose (sender, subject, domains), never in running text.
COMMON_WORDS = frozenset(
    {
        "sure", "wise", "loft", "nets", "zero", "box", "optimum", "meridian", "nickel",
        "blockchain", "id", "ete", "goo", "-", "post", "bank", "first bank", "netbank",
        "outlook", "steam", "visa", "line", "meta", "discover", "interac", "apple", "recruit",
        "federal credit union", "global credit union", "caixa", "correos", "webmail",
    }
)  # fmt: skip
_SHORT = 2  # ASCII keys this short or shorter: sender and subject only
_ASCII = re.compile(r"^[\x00-\x7f]+$")
_DOMAIN_LIKE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


@dataclass
class BrandMatch:
    brand_id: int
    name: str
    confidence: float
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.brand_id,
            "name": self.name,
            "confidence": round(self.confidence, 2),
            "reasons": self.reasons,
            "reason_messages": messages_of(self.reasons),
        }


# Cyrillic and Greek letters that look like Latin ones, as spammers use them
# ("Соngrаtulаtіоns") to slip past keyword filters.
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁԛԝһӏАВЕКМНОРСТХІЈЅαοιτνκρΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwhlABEKMHOPCTXIJSaoitvkpABEZHIKMNOPTYX",
)


def fold(text: str) -> str:
    """Text as matching sees it: NFKC, case-folded, look-alike letters made Latin
    and combining marks that survive NFKC (`Aܿmܿaܿzܿon`, `e̷ntrega`) removed.

    Japanese voiced marks compose under NFKC (か+゙ -> が), so they are kept.
    """
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        text = text.translate(_CONFUSABLES)
    return text.casefold()


_MIXED_WORD = re.compile(r"[A-Za-z][\u0370-\u04ff]|[\u0370-\u04ff][A-Za-z]")


def obfuscated(text: str) -> bool:
    """Latin words with look-alike letters or stray combining marks mixed in."""
    if text.isascii():
        return False
    text = unicodedata.normalize("NFKC", text)
    if _MIXED_WORD.search(text):
        return True
    return any(
        unicodedata.category(c) == "Mn" and text[i - 1 : i].isascii() and text[i - 1 : i].isalpha()
        for i, c in enumerate(text)
        if i
    )


class BrandMatcher:
    """Compiled patterns over the whole catalog; build one per batch or process."""

    def __init__(self, entries: list[tuple[int, str, str]]) -> None:
        """entries: (brand id, brand name, name or alias as written)."""
        self.names: dict[int, str] = {}
        self._ids: dict[str, int] = {}
        self._exact: dict[str, int] = {}  # all-caps short names, matched as written
        self.domains: dict[str, int] = {}  # the brands' own domains
        for brand_id, name, written in entries:
            self.names.setdefault(brand_id, name)
            self._add(brand_id, written)
        self._folded = _alternation(k for k in self._ids if _ASCII.match(k))
        self._unicode = _plain(k for k in self._ids if not _ASCII.match(k))
        self._caps = _alternation(self._exact, ignore_case=False)
        # Names as they appear squeezed into host names: "etc-meisai.jp" -> "etcmeisaijp".
        self._host_keys: dict[str, int] = {}
        for key, brand_id in self._ids.items():
            flat = _flatten(key)
            if len(flat) >= 4 and _ASCII.match(flat) and key not in COMMON_WORDS:
                self._host_keys.setdefault(flat, brand_id)

    def _add(self, brand_id: int, written: str) -> None:
        key = brand_key(written)
        if not key:
            return
        if _DOMAIN_LIKE.match(key):
            self.domains.setdefault(key, brand_id)
        written = unicodedata.normalize("NFKC", written).strip()
        if _ASCII.match(written) and written.isupper() and len(written) <= 5:
            self._exact.setdefault(written, brand_id)
        else:
            self._ids.setdefault(key, brand_id)

    @classmethod
    def from_catalog(cls) -> BrandMatcher:
        entries = [(pk, name, name) for pk, name in Brand.objects.values_list("id", "name")]
        entries += list(BrandAlias.objects.values_list("brand_id", "brand__name", "alias"))
        return cls(entries)

    # --- where ------------------------------------------------------------------

    def find(self, text: str) -> list[int]:
        """Brand ids named in `text`, once per mention, in order."""
        if not text:
            return []
        found: list[int] = []
        folded = fold(text)
        for pattern, lookup, haystack in (
            (self._folded, self._ids, folded),
            (self._unicode, self._ids, folded),
            (self._caps, self._exact, unicodedata.normalize("NFKC", text)),
        ):
            if pattern is not None:
                found += [lookup[m.group(1)] for m in pattern.finditer(haystack)]
        return found

    def find_in_body(self, text: str) -> list[int]:
        hits = []
        for brand_id in self.find(text):
            if fold(self.names[brand_id]) not in COMMON_WORDS:
                hits.append(brand_id)
        return hits

    def own_domain(self, host: str) -> int | None:
        """The brand whose own site this host is (the domain or a subdomain of it)."""
        host = host.lower().rstrip(".")
        labels = host.split(".")
        for start in range(len(labels) - 1):
            brand_id = self.domains.get(".".join(labels[start:]))
            if brand_id is not None:
                return brand_id
        return None

    def in_host(self, host: str) -> list[int]:
        """Brands whose name appears inside a host that is not theirs (`amazon-jp.xyz`)."""
        host = host.lower()
        if self.own_domain(host) is not None:
            return []
        flat = _flatten(host)
        found = {brand_id for key, brand_id in self._host_keys.items() if key in flat}
        return sorted(found)[:3]

    # --- scoring ------------------------------------------------------------------

    def match(
        self, *, sender_name: str = "", sender_domain: str = "", subject: str = "",
        body: str = "", link_hosts: list[str] | None = None,
    ) -> BrandMatch | None:  # fmt: skip
        places: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for where, ids in (
            ("sender name", self.find(sender_name)),
            ("subject", self.find(subject)),
            ("body", self.find_in_body(body[:200_000])),
        ):
            for brand_id in ids:
                places[brand_id][where] += 1
        for brand_id in self.in_host(sender_domain) if sender_domain else []:
            places[brand_id]["sender domain"] += 1
        for host in link_hosts or []:
            for brand_id in self.in_host(host):
                places[brand_id]["link host"] += 1
        scored = [self._score(brand_id, counts) for brand_id, counts in places.items()]
        return max(scored, key=lambda m: m.confidence, default=None)

    def _score(self, brand_id: int, counts: dict[str, int]) -> BrandMatch:
        miss = 1.0
        reasons: list[str] = []  # Reasons, stored as their English text
        for where, count in counts.items():
            weight = WEIGHTS[where]
            if where == "body":
                weight += BODY_REPEAT_BONUS * min(count - 1, 3)
            miss *= 1 - weight
            times = f" ({count}×)" if count > 1 else ""
            name = repr(self.names[brand_id])
            reasons.append(Reason(_NAMED_IN[where], brand=name, times=times))
        return BrandMatch(brand_id, self.names[brand_id], 1 - miss, reasons)


def _flatten(text: str) -> str:
    return text.replace("-", "").replace(".", "").replace(" ", "")


def _alternation(keys: object, *, ignore_case: bool = True) -> re.Pattern[str] | None:
    words = sorted({k for k in keys if len(k) > _SHORT or not ignore_case}, key=len, reverse=True)  # type: ignore[attr-defined]
    if not words:
        return None
    body = "|".join(re.escape(w) for w in words)
    # ASCII boundaries: `\b` is a Unicode one, and there is none between C and カ in
    # "SMBCカード" or between L and よ in "DHLより" (Japanese puts no space there).
    if ignore_case:
        return re.compile(rf"(?<![a-z0-9])({body})(?![a-z0-9])")  # the text is folded
    return re.compile(rf"(?<![A-Za-z0-9])({body})(?![A-Za-z0-9])")


# Katakana runs on without spaces: イオン at the end of ライオン (lion) or マイナスイオン is
# part of that word. A name followed by more katakana (アマゾンギフト) is still the name.
_KATAKANA = "\u30a1-\u30fa\u30fc"  # letters and the long-vowel mark, not the middle dot
_NOT_AFTER_KATAKANA = f"(?<![{_KATAKANA}])"
_STARTS_KATAKANA = re.compile(f"[{_KATAKANA}]")


def _plain_word(word: str) -> str:
    if _STARTS_KATAKANA.match(word):
        return _NOT_AFTER_KATAKANA + re.escape(word)
    return re.escape(word)


def _plain(keys: object) -> re.Pattern[str] | None:
    words = sorted(set(keys), key=len, reverse=True)  # type: ignore[call-overload]
    if not words:
        return None
    return re.compile("(" + "|".join(_plain_word(w) for w in words) + ")")


_cache: tuple[tuple[object, ...], BrandMatcher] | None = None


def brand_matcher() -> BrandMatcher:
    """The catalog's matcher, rebuilt when a brand or alias was added or removed."""
    global _cache
    stamp = (
        tuple(Brand.objects.aggregate(n=Count("id"), m=Max("id")).values()),
        tuple(BrandAlias.objects.aggregate(n=Count("id"), m=Max("id")).values()),
    )
    if _cache is None or _cache[0] != stamp:
        _cache = (stamp, BrandMatcher.from_catalog())
    return _cache[1]
