"""A generated demo data set: a few months of a coordination center's work.

Written as exchange-format lines and imported through the normal importer,
so the demo exercises the same path as real data. Hosts are under the
example domains and addresses in the documentation ranges (RFC 2606,
RFC 5737, RFC 3849): nothing here points at a real system.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BRANDS = [
    ("三井住友カード", "JP", "finance", ["SMBC card"]),
    ("イオン銀行", "JP", "finance", []),
    ("えきねっと", "JP", "transport", []),
    ("ETC利用照会サービス", "JP", "transport", []),
    ("ヤマト運輸", "JP", "logistics", ["Yamato"]),
    ("au", "JP", "telecom", ["KDDI"]),
    ("楽天", "JP", "ecommerce", ["Rakuten"]),
    ("国税庁", "JP", "government", ["National Tax Agency"]),
    ("東京電力", "JP", "utilities", ["TEPCO"]),
    ("Amazon", "US", "ecommerce", ["amazon.co.jp", "アマゾン"]),
    ("Apple ID", "US", "it_services", ["Apple"]),
    ("PayPal", "US", "finance", []),
    ("Microsoft", "US", "it_services", ["Office 365"]),
    ("DHL", "DE", "logistics", []),
    ("Netflix", "US", "media", []),
]
CATEGORY_WEIGHTS = [
    ("phishing", 70), ("scan", 14), ("defacement", 6), ("malware_site", 3),
    ("other", 5), ("dos", 1), ("targeted_attack", 1),
]  # fmt: skip
SCAN_PORTS = ["22/tcp", "23/tcp", "80/tcp", "445/tcp", "3389/tcp", "5060/udp", "37215/tcp"]
REASONS = {
    "phishing": ["site_unreachable"],
    "defacement": ["site_unreachable", "already_notified", "information_only"],
    "malware_site": ["site_unreachable", "low_threat"],
    "scan": ["insufficient_logs", "information_only"],
}
TZ = ZoneInfo("Asia/Tokyo")


class _Generator:
    def __init__(self, *, seed: int, days: int, per_day: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.start = now - timedelta(days=days)
        self.days, self.per_day = days, per_day
        self.counter = 0
        self.sites: list[tuple[str, str, str]] = []  # (category, url, brand)

    def _ref(self, prefix: str) -> str:
        self.counter += 1
        return f"demo-{prefix}{self.counter:07d}"

    def _site(self, category: str) -> tuple[str, str]:
        if self.sites and self.rng.random() < 0.35:
            same = [s for s in self.sites[-300:] if s[0] == category]
            if same:
                _, url, brand = self.rng.choice(same)
                return _variant(self.rng, url), brand
        number = self.rng.randrange(100_000)
        brand = self.rng.choice(BRANDS)[0] if category == "phishing" else ""
        tld = self.rng.choice(["example.com", "example.jp", "example.net"])
        url = f"https://{category[:5]}-{number:05d}.{tld}/login"
        self.sites.append((category, url, brand))
        return url, brand

    def _report(self, at: datetime) -> dict[str, Any]:
        category = self.rng.choices(*zip(*CATEGORY_WEIGHTS, strict=True))[0]
        report: dict[str, Any] = {
            "kind": "report", "ref": self._ref("r"), "received_at": at.isoformat(),
            "channel": self.rng.choice(["web", "email", "email", "fax"]),
            "reporter": f"reporter-{self.rng.randrange(400):04d}", "category": category,
        }  # fmt: skip
        if category in ("phishing", "defacement", "malware_site"):
            report["url"], report["brand"] = self._site(category)
        elif category in ("scan", "dos"):
            report["ip"] = f"198.51.100.{self.rng.randrange(1, 255)}"
            if category == "scan":
                report["ports"] = self.rng.sample(SCAN_PORTS, self.rng.choice([1, 1, 2]))
        report["text"] = f"{category} の報告 (demo)"
        return {k: v for k, v in report.items() if v}

    def _follow_up(self, report: dict[str, Any], at: datetime) -> Iterator[dict[str, Any]]:
        roll = self.rng.random()
        later = at + timedelta(hours=self.rng.randrange(1, 72))
        if roll < 0.45:
            country = self.rng.choice(["JP", "JP", "US", "CN", "DE"])
            yield {
                "kind": "notification", "ref": self._ref("n"), "report": report["ref"],
                "sent_at": later.isoformat(),
                "recipient": f"abuse@hosting-{country.lower()}.example",
                "recipient_country": country, "basis": "site_confirmed",
            }  # fmt: skip
            if self.rng.random() < 0.6:
                done = later + timedelta(days=self.rng.randrange(0, 15))
                yield {
                    "kind": "resolution",
                    "report": report["ref"],
                    "resolved_at": done.isoformat(),
                }
        elif roll < 0.8 and report["category"] in REASONS:
            reason = self.rng.choice(REASONS[report["category"]])
            yield {
                "kind": "no_notification", "report": report["ref"],
                "decided_at": later.isoformat(), "reason": reason,
            }  # fmt: skip

    def lines(self) -> Iterator[dict[str, Any]]:
        for name, country, industry, aliases in BRANDS:
            yield {"kind": "brand", "name": name, "country": country, "industry": industry,
                   "aliases": aliases}  # fmt: skip
        events: list[tuple[datetime, dict[str, Any]]] = []
        for day in range(self.days):
            for _ in range(self.rng.randrange(self.per_day // 2, self.per_day * 3 // 2 + 1)):
                at = self.start + timedelta(days=day, seconds=self.rng.randrange(86_400))
                report = self._report(at.astimezone(TZ))
                events.append((at, report))
                events.extend((datetime.fromisoformat(f[_time_key(f)]), f)
                              for f in self._follow_up(report, at.astimezone(TZ)))  # fmt: skip
        now = self.start + timedelta(days=self.days)
        for _, obj in sorted((e for e in events if e[0] <= now), key=lambda e: e[0]):
            yield obj


def _time_key(obj: dict[str, Any]) -> str:
    return next(k for k in ("sent_at", "decided_at", "resolved_at") if k in obj)


def _variant(rng: random.Random, url: str) -> str:
    """The same site as another reporter writes it: defanged, upper-cased, re-schemed."""
    return rng.choice(
        [
            url,
            url.replace("https://", "hxxps://").replace(".example", "[.]example"),
            url.upper().replace("HTTPS://", "https://").replace("/LOGIN", "/login"),
            url.replace("https://", "http://") + "/",
            url + "#top",
        ]
    )


def write_demo_file(path: Path, *, now: datetime, days: int = 120, per_day: int = 40,
                    seed: int = 2023) -> int:  # fmt: skip
    generator = _Generator(seed=seed, days=days, per_day=per_day, now=now)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for obj in generator.lines():
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
            count += 1
    return count
