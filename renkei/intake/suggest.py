"""Category suggestion: rules that propose a category, a URL and a brand, with reasons.

Every rule adds evidence (category, weight, reason in words an analyst
reads); a category's confidence is 1 - prod(1 - weight) over its evidence.
The best category is proposed only when its confidence reaches
`MIN_CONFIDENCE` and the report has what that category needs (a URL for a
site, an address for a scan); otherwise the report is filed as `other` and
the analyst still sees the runner-up with its reasons. The suggestion is
stored in `Report.extra["suggestion"]`; an analyst's decision replaces the
category and is audited (`renkei.intake.review.report_classify`).

The rules are deliberately plain: keywords in Japanese, English and
Portuguese/Spanish (the languages of the mail we receive), link shapes, and
the brand catalog (`brandmatch`).
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from renkei.intake.brandmatch import BrandMatch, BrandMatcher, fold, obfuscated
from renkei.intake.reasons import Reason, messages_of
from renkei.lib.normalize import SITE_CATEGORIES

RULES_VERSION = 1
MIN_CONFIDENCE = 0.5
BRAND_MIN_CONFIDENCE = 0.5

# fmt: off
LURE_WORDS = (
    # ja
    "アカウント", "ログイン", "パスワード", "本人確認", "ご確認", "確認してください", "利用停止",
    "一時停止", "停止されました", "利用制限", "セキュリティ", "不正利用", "カード情報",
    "お支払い", "支払い方法", "認証", "ロック", "有効期限", "緊急", "至急", "解除", "未払い",
    "不在", "再配達", "ポイント", "当選",
    # en
    "verify your", "verify account", "confirm your", "suspended", "unusual activity",
    "unusual sign-in", "sign in", "log in", "login", "password", "update your", "payment",
    "billing", "account will be", "locked", "limited", "security alert", "reactivate",
    "validate", "expire", "mailbox", "storage", "quota", "invoice", "refund", "wallet",
    "seed phrase", "unlock", "click here", "verify now", "action required", "urgent",
    "delivery", "parcel", "shipment", "reward", "prize", "claim", "congratulations",
    "you have won", "you've won", "winner", "been selected", "airdrop", "gift card", "kyc",
    "final notice", "last notice", "will be deleted", "voucher", "mystery box",
    # pt / es
    "senha", "sua conta", "acesse", "bloquead", "verifique",
    "confirme", "pagamento", "fatura", "boleto", "pontos", "expira", "resgat", "cuenta",
    "contraseña", "verificar", "suspendid", "encomenda", "pedido", "parabéns", "prêmio",
    "ganhou", "sorteio", "felicidades", "premio", "último aviso", "eliminad", "almacenamiento",
    "armazenamento", "actualiza", "atualiz", "dirección",
)
REPORTER_SAYS: dict[str, tuple[str, ...]] = {
    "phishing": ("フィッシング", "phishing", "偽サイト", "なりすましサイト", "fake site",
                 "spoofed site"),
    "defacement": ("改ざん", "改竄", "defaced", "defacement", "hacked by", "書き換えられ"),
    "malware_site": ("マルウェア", "malware", "ウイルス", "virus", "trojan", "ransomware",
                     "ダウンロードさせ", "drive-by"),
    "scan": ("スキャン", "port scan", "portscan", "ポートスキャン", "brute force", "brute-force",
             "ブルートフォース", "ログイン試行", "login attempts", "scanning", "probing",
             "不正アクセスの試み", "探索"),
    "dos": ("ddos", "dos攻撃", "dos attack", "サービス妨害", "大量のアクセス", "flood",
            "大量の通信", "denial of service"),
    "ics": ("制御システム", "scada", "plc", "modbus", "hmi", "bacnet", "dnp3", "産業用",
            "industrial control"),
    "targeted_attack": ("標的型", "targeted attack", "spear phishing", "スピアフィッシング", "apt"),
}
SHORTENERS = frozenset((
    "bit.ly", "t.co", "tinyurl.com", "is.gd", "cutt.ly", "rb.gy", "ow.ly", "buff.ly", "x.co",
    "goo.gl", "shorturl.at", "t.ly", "s.id", "v.gd", "tiny.cc", "rebrand.ly", "qrco.de",
))
FREE_HOSTING = (
    "web.app", "firebaseapp.com", "weebly.com", "wixsite.com", "blogspot.com", "github.io",
    "pages.dev", "workers.dev", "netlify.app", "vercel.app", "glitch.me", "000webhostapp.com",
    "ngrok.io", "ngrok-free.app", "duckdns.org", "azurewebsites.net", "windows.net",
    "r2.dev", "ipfs.io", "dweb.link", "storage.googleapis.com", "herokuapp.com",
    "square.site", "godaddysites.com", "webflow.io", "framer.app", "replit.app",
)
# Links that are infrastructure, not the site a report is about.
INFRASTRUCTURE = (
    "w3.org", "schemas.microsoft.com", "schemas.openxmlformats.org", "purl.org",
    "fonts.googleapis.com", "fonts.gstatic.com", "xmlsoap.org", "ogp.me", "schema.org",
)
STATIC_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".svg", ".ico", ".css",
                   ".woff", ".woff2", ".ttf")
DOWNLOAD_SUFFIXES = (".exe", ".scr", ".msi", ".zip", ".rar", ".7z", ".iso", ".img", ".js",
                     ".vbs", ".hta", ".lnk", ".apk", ".jar", ".bat", ".ps1", ".cab", ".dll")
UNSUBSCRIBE = ("unsubscribe", "optout", "opt-out", "opt_out", "remove", "descadastr",
               "配信停止", "list-manage")
LURE_PATH = ("login", "signin", "sign-in", "verify", "account", "secure", "update", "auth",
             "webscr", "confirm", "wallet", "billing", "invoice", ".php")
# fmt: on
# Feedback-Type (RFC 5965) and X-ARF Report-Type values, by category.
ARF_TYPES = {
    "phishing": "phishing",
    "fraud": "phishing",
    "malware": "malware_site",
    "login-attack": "scan",
    "port-scan": "scan",
    "scan": "scan",
    "ddos": "dos",
}  # fmt: skip
# `22/tcp`, `port 22` (`ports 22`, `ポート22`, `ポート番号：22`, with or without `/udp`),
# `22番ポート`. Boundaries are ASCII ones: `\b` is a Unicode word boundary, and
# there is none between ト and 2 in `ポート22` or between p and へ in `22/tcpへ`.
# After a keyword, a number that goes on as a date, a time or an address
# (`2024/10/22`, `10:22`, `192.0.2.1`) is not a port.
_PORT = re.compile(
    r"(?<![\dA-Za-z])(\d{1,5})\s*/\s*(tcp|udp)(?![A-Za-z])"
    r"|(?:(?<![A-Za-z])ports?|ポート)\s*(?:番号)?\s*[:：]?\s*(\d{1,5})(?![\d]|[:.：/]\d)"
    r"(?:\s*/\s*(tcp|udp)(?![A-Za-z]))?"
    r"|(?<![\dA-Za-z])(\d{1,5})\s*番\s*ポート",
    re.I,
)


@dataclass
class Clues:
    """What a report offers the rules, whatever channel it came over."""

    subject: str = ""
    sender_name: str = ""
    sender_addr: str = ""
    text: str = ""
    links: list[str] = field(default_factory=list)  # href targets, in order
    urls: list[str] = field(default_factory=list)  # every URL found
    ips: dict[str, str] = field(default_factory=dict)  # address -> flag (global, private, ...)
    attachments: list[dict[str, object]] = field(default_factory=list)
    attachment_urls: list[str] = field(default_factory=list)  # in HTML attachments
    arf: dict[str, str] | None = None


@dataclass
class Suggestion:
    category: str
    confidence: float
    reasons: list[str]
    url: str = ""
    ip: str = ""
    ports: list[str] = field(default_factory=list)
    brand: BrandMatch | None = None
    scores: dict[str, float] = field(default_factory=dict)
    runner_up: str = ""

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "category": self.category,
            "confidence": round(self.confidence, 2),
            "reasons": self.reasons,
            "reason_messages": messages_of(self.reasons),
            "scores": {k: round(v, 2) for k, v in sorted(self.scores.items())},
            "rules_version": RULES_VERSION,
        }
        for name in ("url", "ip", "ports", "runner_up"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.brand is not None:
            data["brand"] = self.brand.as_json()
        return data


class _Evidence:
    def __init__(self) -> None:
        self.items: dict[str, list[tuple[float, str]]] = defaultdict(list)

    def add(self, category: str, weight: float, reason: str) -> None:
        self.items[category].append((weight, reason))

    def score(self, category: str) -> float:
        miss = 1.0
        for weight, _ in self.items[category]:
            miss *= 1 - weight
        return 1 - miss

    def reasons(self, category: str) -> list[str]:
        return [reason for _, reason in sorted(self.items[category], key=lambda x: -x[0])]


# --- Links --------------------------------------------------------------------------


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _ends_with(host: str, domains: tuple[str, ...] | frozenset[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _link_score(url: str, *, in_href: bool, brands: BrandMatcher) -> float:
    host, lowered = _host(url), url.lower()
    path = lowered.split("?", 1)[0]
    if not host or _ends_with(host, INFRASTRUCTURE) or path.endswith(STATIC_SUFFIXES):
        return -10
    score = 2.0 if in_href else 1.0
    if any(word in lowered for word in UNSUBSCRIBE):
        score -= 3
    if brands.own_domain(host) is not None:
        score -= 2  # a genuine link placed for credibility
    if brands.in_host(host):
        score += 2
    if _is_ip(host) or "xn--" in host or _ends_with(host, FREE_HOSTING) or host in SHORTENERS:
        score += 1
    if any(word in path for word in LURE_PATH) or path.endswith(DOWNLOAD_SUFFIXES):
        score += 1
    return score


def choose_url(clues: Clues, brands: BrandMatcher) -> str:
    """The link the report is about: the most lure-like, a clicked-for link first."""
    hrefs = set(clues.links) | set(clues.attachment_urls)
    candidates = list(dict.fromkeys([*clues.attachment_urls, *clues.links, *clues.urls]))
    best, best_score = "", 0.0
    for url in candidates:
        score = _link_score(url, in_href=url in hrefs, brands=brands)
        if score > best_score:
            best, best_score = url, score
    return best


def _link_evidence(url: str, brands: BrandMatcher, evidence: _Evidence) -> None:
    host, path = _host(url), url.lower().split("?", 1)[0]
    if path.endswith(DOWNLOAD_SUFFIXES):
        evidence.add(
            "malware_site",
            0.5,
            Reason("the link downloads a file (%(kind)s)", kind=path.rsplit(".", 1)[-1]),
        )
    if _is_ip(host):
        evidence.add("phishing", 0.15, Reason("the link points at an IP address, not a name"))
    if "xn--" in host:
        evidence.add(
            "phishing", 0.15, Reason("the link's host is an internationalized (xn--) name")
        )
    if _ends_with(host, FREE_HOSTING):
        evidence.add(
            "phishing", 0.15, Reason("the link is on a free hosting service (%(host)s)", host=host)
        )
    if host in SHORTENERS:
        evidence.add(
            "phishing", 0.1, Reason("the link goes through a URL shortener (%(host)s)", host=host)
        )
    if any(word in path for word in LURE_PATH[:-1]):
        evidence.add(
            "phishing", 0.1, Reason("the link's path looks like a sign-in or payment page")
        )
    for brand_id in brands.in_host(host)[:1]:
        name = brands.names[brand_id]
        contains = Reason(
            "the link's host contains %(brand)s but is not its site", brand=repr(name)
        )
        evidence.add("phishing", 0.35, contains)


# --- Text ---------------------------------------------------------------------------


def _lure_evidence(folded: str, evidence: _Evidence) -> None:
    hits = [word for word in LURE_WORDS if fold(word) in folded]
    if hits:
        shown = ", ".join(repr(w) for w in hits[:5])
        evidence.add(
            "phishing", min(0.45, 0.15 * len(hits)), Reason("lure wording: %(words)s", words=shown)
        )


def _reporter_evidence(folded: str, evidence: _Evidence) -> None:
    """A category named in words; one word may be in passing, two rarely are."""
    for category, words in REPORTER_SAYS.items():
        hits = [w for w in words if _word_in(fold(w), folded)]
        if hits:
            shown = ", ".join(repr(w) for w in hits[:3])
            evidence.add(
                category,
                0.6 if len(hits) > 1 else 0.4,
                Reason("the text says %(words)s", words=shown),
            )


def _obfuscation_evidence(clues: Clues, evidence: _Evidence) -> None:
    if obfuscated(f"{clues.subject}\n{clues.text[:5000]}"):
        disguised = Reason("words disguised with look-alike letters or stray marks")
        evidence.add("phishing", 0.3, disguised)


def _word_in(word: str, folded: str) -> bool:
    if word.isascii() and len(word) <= 4:
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", folded) is not None
    return word in folded


def _attachment_evidence(clues: Clues, evidence: _Evidence) -> None:
    for item in clues.attachments:
        name = str(item.get("filename") or "(unnamed)")
        if item.get("kind") == "html":
            opens = Reason("an HTML attachment (%(name)s) opens a local page", name=name)
            evidence.add("phishing", 0.35, opens)
        if item.get("executable") or item.get("contains_executable"):
            executable = Reason(
                "attachment %(name)s is or contains an executable (malware mail)", name=name
            )
            evidence.add("other", 0.5, executable)
        if item.get("macros"):
            macros = Reason("attachment %(name)s has macros (malware mail)", name=name)
            evidence.add("other", 0.5, macros)


def _arf_evidence(arf: dict[str, str], evidence: _Evidence) -> None:
    kind = (arf.get("feedback-type") or arf.get("report-type") or "").lower()
    category = ARF_TYPES.get(kind)
    if category:
        evidence.add(category, 0.7, Reason("the abuse report's type is %(kind)s", kind=repr(kind)))


def ports_in(text: str) -> list[str]:
    found: dict[str, None] = {}
    for match in _PORT.finditer(text[:100_000]):
        number = match.group(1) or match.group(3) or match.group(5)
        proto = match.group(2) or match.group(4) or "tcp"
        if 0 < int(number) <= 65535:
            found[f"{int(number)}/{proto.lower()}"] = None
    return list(found)[:50]


def _address(clues: Clues) -> str:
    """The first global address (a report about a private one is kept, not acted on)."""
    for ip, flag in clues.ips.items():
        if flag == "global":
            return ip
    return ""


# --- Decision -----------------------------------------------------------------------


def suggest(clues: Clues, brands: BrandMatcher) -> Suggestion:
    evidence = _Evidence()
    folded = fold(f"{clues.subject}\n{clues.text}"[:300_000])
    url = choose_url(clues, brands)
    if url:
        _link_evidence(url, brands, evidence)
        if url in clues.links or url in clues.attachment_urls:
            evidence.add("phishing", 0.2, Reason("the message asks the reader to open a link"))
    _lure_evidence(folded, evidence)
    _reporter_evidence(folded, evidence)
    _obfuscation_evidence(clues, evidence)
    _attachment_evidence(clues, evidence)
    if clues.arf:
        _arf_evidence(clues.arf, evidence)
    brand = brands.match(
        sender_name=clues.sender_name, sender_domain=clues.sender_addr.rpartition("@")[2],
        subject=clues.subject, body=clues.text,
        link_hosts=[_host(u) for u in ([url] if url else [])],
    )  # fmt: skip
    if brand is not None:
        imitates = Reason("imitates %(brand)s", brand=repr(brand.name))
        evidence.add("phishing", 0.4 * brand.confidence, imitates)
    return _decide(evidence, clues, url=url, brand=brand, folded=folded)


def _needs(category: str, *, url: str, ip: str) -> Reason | None:
    """Why this category cannot be proposed, or None when it can."""
    if category in SITE_CATEGORIES and not url:
        return Reason("%(category)s needs a URL and none was found", category=category)
    if category == "scan" and not ip:
        return Reason("scan needs the source address and no global address was found")
    if category == "dos" and not (ip or url):
        return Reason("dos needs the target address or URL")
    return None


def _decide(
    evidence: _Evidence, clues: Clues, *, url: str, brand: BrandMatch | None, folded: str
) -> Suggestion:
    ip = _address(clues)
    scores = {c: round(evidence.score(c), 2) for c in evidence.items}
    ranked = sorted(scores, key=lambda c: -scores[c])
    reasons: list[str] = []  # Reasons; str so that the English text is what is stored
    chosen, confidence = "other", 0.0
    for category in ranked:
        missing = _needs(category, url=url, ip=ip)
        if scores[category] >= MIN_CONFIDENCE and not missing:
            chosen, confidence = category, scores[category]
            break
        if missing and scores[category] >= MIN_CONFIDENCE:
            reasons.append(
                Reason(
                    "looks like %(category)s (%(score).2f) but %(missing)s",
                    category=category,
                    score=scores[category],
                    missing=missing,
                )
            )
    if chosen == "other":
        confidence = max(scores.get("other", 0.0), 0.2)
    runner_up = next((c for c in ranked if c != chosen), "")
    suggestion = Suggestion(
        category=chosen, confidence=confidence, reasons=evidence.reasons(chosen) + reasons,
        scores=scores, runner_up=runner_up,
        brand=brand if brand and brand.confidence >= BRAND_MIN_CONFIDENCE else None,
    )  # fmt: skip
    if chosen in SITE_CATEGORIES or (chosen == "dos" and not ip):
        suggestion.url = url
    if chosen in ("scan", "dos"):
        suggestion.ip = ip
    if chosen == "scan":
        suggestion.ports = ports_in(folded)
    if chosen == "other" and runner_up and not reasons:
        # Show what almost decided, so the analyst can judge the near miss.
        suggestion.reasons += [
            Reason(
                "%(category)s scored %(score).2f, below %(threshold)s: %(reason)s",
                category=runner_up,
                score=scores[runner_up],
                threshold=MIN_CONFIDENCE,
                reason=reason,
            )
            for reason in evidence.reasons(runner_up)
        ]
    if chosen == "other" and not suggestion.reasons:
        suggestion.reasons = [Reason("no rule matched")]
    return suggestion
