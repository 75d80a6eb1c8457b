"""What the report calls things, in Japanese (the seed's words) and English (GLOSSARY.md)."""

from __future__ import annotations

from typing import Literal

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")

CATEGORY = {
    "ja": {
        "phishing": "フィッシングサイト",
        "defacement": "Web サイト改ざん",
        "malware_site": "マルウェアサイト",
        "scan": "スキャン",
        "dos": "DoS/DDoS",
        "ics": "制御システム関連",
        "targeted_attack": "標的型攻撃",
        "other": "その他",
    },
    "en": {
        "phishing": "Phishing site",
        "defacement": "Website defacement",
        "malware_site": "Malware site",
        "scan": "Scan",
        "dos": "DoS/DDoS",
        "ics": "Industrial control systems",
        "targeted_attack": "Targeted attack",
        "other": "Other",
    },
}

ORIGIN = {
    "ja": {"domestic": "国内ブランド", "overseas": "国外ブランド", "unknown": "ブランド不明"},
    "en": {
        "domestic": "Domestic brands",
        "overseas": "Overseas brands",
        "unknown": "Unknown brand",
    },
}

INDUSTRY = {
    "ja": {
        "finance": "金融",
        "ecommerce": "E コマース",
        "telecom": "通信",
        "transport": "交通",
        "logistics": "物流",
        "government": "官公庁",
        "utilities": "公益",
        "media": "メディア",
        "it_services": "IT サービス",
        "crypto": "暗号資産",
        "other": "その他",
    },
    "en": {
        "finance": "Finance",
        "ecommerce": "E-commerce",
        "telecom": "Telecommunications",
        "transport": "Transport",
        "logistics": "Logistics",
        "government": "Government",
        "utilities": "Utilities",
        "media": "Media",
        "it_services": "IT services",
        "crypto": "Crypto assets",
        "other": "Other",
    },
}

REASON = {
    "ja": {
        "site_unreachable": "サイトを確認できない",
        "already_notified": "当事者へ連絡が届いている",
        "information_only": "情報提供である",
        "low_threat": "脅威度が低い",
        "insufficient_logs": "ログに十分な情報がない",
        "insufficient_information": "十分な情報がない",
    },
    "en": {
        "site_unreachable": "site cannot be confirmed",
        "already_notified": "the party has already been contacted",
        "information_only": "information only",
        "low_threat": "low threat",
        "insufficient_logs": "logs lack detail",
        "insufficient_information": "insufficient information",
    },
}

BASIS = {
    "ja": {
        "site_confirmed": "サイトの稼働を確認",
        "detailed_logs": "詳細なログがある",
        "contact_requested": "連絡を希望されている",
        "high_threat": "脅威度が高い",
    },
    "en": {
        "site_confirmed": "site confirmed",
        "detailed_logs": "detailed logs",
        "contact_requested": "reporter asked us to contact the party",
        "high_threat": "high threat",
    },
}

TOTAL = {
    "ja": {"reports": "報告件数", "incidents": "インシデント件数", "coordinations": "調整件数"},
    "en": {"reports": "Reports", "incidents": "Incidents", "coordinations": "Coordinations"},
}


def label(table: dict[str, dict[str, str]], lang: str, key: str) -> str:
    """The label of `key`, or the key itself for a value the table does not know yet."""
    return table.get(lang, table["en"]).get(key, key)


def month_label(month: str, lang: str) -> str:
    """`2023-04` as a column heading: 4月 / Apr 2023."""
    year, number = (int(part) for part in month.split("-"))
    if lang == "ja":
        return f"{number}月"
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{names[number - 1]} {year}"


def short_month_label(month: str, lang: str) -> str:
    """For chart axes: 2023/4 or Apr 23."""
    year, number = (int(part) for part in month.split("-"))
    if lang == "ja":
        return f"{year}/{number}"
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{names[number - 1]} {year % 100:02d}"
