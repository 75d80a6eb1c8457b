"""What each category means, for reporters choosing one on the public form.

Taken from the seed's appendix "付録-1. インシデントの分類" (the JPCERT/CC
quarterly report's category definitions), obvious scanning errors corrected;
the English is our translation. Kept as content in both languages rather
than as translatable UI strings: the Japanese is the original.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    label: str
    text: str
    examples: tuple[str, ...]


DEFINITIONS: dict[str, dict[str, Definition]] = {
    "phishing": {
        "ja": Definition(
            "フィッシングサイト",
            "銀行やオークション等のサービス事業者の正規サイトを装い、利用者の ID やパスワード、"
            "クレジットカード番号等の情報をだまし取る「フィッシング詐欺」に使用されるサイト。",
            ("金融機関やクレジットカード会社等のサイトに似せた Web サイト",
             "フィッシングサイトに誘導するために設置された Web サイト"),
        ),
        "en": Definition(
            "Phishing site",
            "A site that imitates the genuine site of a bank, an auction or another service to "
            "trick users out of their IDs, passwords, credit card numbers and other details.",
            ("A website made to look like that of a bank or a credit card company",
             "A website set up to lead people to a phishing site"),
        ),
    },
    "defacement": {
        "ja": Definition(
            "Web サイト改ざん",
            "攻撃者もしくはマルウェアによって、Web サイトのコンテンツが書き換えられた"
            "(管理者が意図したものではないスクリプトの埋め込みを含む)サイト。",
            ("攻撃者やマルウェア等により悪意のあるスクリプトや iframe 等が埋め込まれたサイト",
             "SQL インジェクション攻撃により情報が改ざんされたサイト"),
        ),
        "en": Definition(
            "Website defacement",
            "A site whose content was changed by an attacker or by malware (including scripts "
            "embedded without the administrator's intent).",
            ("A site where an attacker or malware embedded a malicious script or iframe",
             "A site whose information was altered through SQL injection"),
        ),
    },
    "malware_site": {
        "ja": Definition(
            "マルウェアサイト",
            "閲覧することで PC がマルウェアに感染してしまう攻撃用サイトや、攻撃に使用する"
            "マルウェアを公開しているサイト。",
            ("閲覧者の PC をマルウェアに感染させようとするサイト",
             "攻撃者によりマルウェアが公開されているサイト"),
        ),
        "en": Definition(
            "Malware site",
            "A site that infects the computers of its visitors with malware, or that hosts "
            "malware used in attacks.",
            ("A site that tries to infect its visitors' computers with malware",
             "A site where an attacker publishes malware"),
        ),
    },
    "scan": {
        "ja": Definition(
            "スキャン",
            "サーバーや PC 等の攻撃対象となるシステムの存在確認やシステムに不正に侵入するための"
            "弱点(セキュリティホール等)探索を行うために、攻撃者によって行われるアクセス"
            "(システムへの影響がないもの)。マルウェア等による感染活動も含みます。",
            ("弱点探索(プログラムのバージョンやサービスの稼働状況の確認等)",
             "侵入行為の試み(未遂に終わったもの)",
             "マルウェア(ウイルス、ボット、ワーム等)による感染の試み(未遂に終わったもの)",
             "ssh、ftp、telnet 等に対するブルートフォース攻撃(未遂に終わったもの)"),
        ),
        "en": Definition(
            "Scan",
            "Access by an attacker, without effect on the system, to find systems to attack "
            "(servers, PCs) or weaknesses (security holes) to break in through. Infection "
            "attempts by malware are included.",
            ("Probing for weaknesses (program versions, which services run)",
             "Attempted intrusion that did not succeed",
             "Attempted infection by malware (viruses, bots, worms) that did not succeed",
             "Brute-force attempts on ssh, ftp, telnet and the like that did not succeed"),
        ),
    },
    "dos": {
        "ja": Definition(
            "DoS/DDoS",
            "ネットワーク上に配置されたサーバーや PC、ネットワークを構成する機器や回線等の"
            "ネットワークリソースに対して、サービスを提供できないようにする攻撃。",
            ("大量の通信等により、ネットワークリソースを枯渇させる攻撃",
             "大量のアクセスによるサーバープログラムの応答の低下、もしくは停止",
             "大量のメール(エラーメール、SPAM メール等)を受信させることによるサービス妨害"),
        ),
        "en": Definition(
            "DoS/DDoS",
            "An attack that stops network resources (servers, PCs, network equipment, lines) "
            "from providing their service.",
            ("Exhausting network resources with large volumes of traffic",
             "Slowing or stopping a server program with large numbers of requests",
             "Disrupting a service by making it receive masses of mail (bounces, spam)"),
        ),
    },
    "ics": {
        "ja": Definition(
            "制御システム関連インシデント",
            "制御システムや各種プラントが関連するインシデント。",
            ("インターネット経由で攻撃が可能な制御システム",
             "制御システムを対象としたマルウェアが通信を行うサーバー",
             "制御システムに動作異常等を発生させる攻撃"),
        ),
        "en": Definition(
            "Industrial control systems",
            "An incident involving control systems or industrial plants.",
            ("A control system that can be attacked over the Internet",
             "A server that malware targeting control systems communicates with",
             "An attack that makes a control system malfunction"),
        ),
    },
    "targeted_attack": {
        "ja": Definition(
            "標的型攻撃",
            "特定の組織、企業、業種などを標的として、マルウェア感染や情報の窃取などを試みる攻撃。",
            ("特定の組織に送付された、マルウェアが添付されたなりすましメール",
             "閲覧する組織が限定的である Web サイトの改ざん",
             "閲覧する組織が限定的である Web サイトになりすまし、"
             "マルウェアに感染させようとするサイト",
             "特定の組織を標的としたマルウェアが通信を行うサーバー"),
        ),
        "en": Definition(
            "Targeted attack",
            "An attack aimed at a particular organization, company or industry that attempts "
            "to infect it with malware or steal its information.",
            ("A spoofed e-mail with malware attached, sent to a particular organization",
             "Defacement of a website visited by a limited set of organizations",
             "A site imitating such a website to infect its visitors with malware",
             "A server that malware aimed at a particular organization communicates with"),
        ),
    },
    "other": {
        "ja": Definition(
            "その他",
            "上記以外のインシデント。",
            ("脆弱性等を突いたシステムへの不正侵入",
             "ssh、ftp、telnet 等に対するブルートフォース攻撃の成功による不正侵入",
             "キーロガー機能を持つマルウェアによる情報の窃取",
             "マルウェア(ウイルス、ボット、ワーム等)の感染"),
        ),
        "en": Definition(
            "Other",
            "Any incident not covered above.",
            ("Intrusion into a system through a vulnerability",
             "Intrusion after a successful brute-force attack on ssh, ftp, telnet and the like",
             "Theft of information by malware with a keylogger",
             "Infection with malware (viruses, bots, worms)"),
        ),
    },
}  # fmt: skip


def definitions(language: str) -> dict[str, Definition]:
    """The definitions in `language` (ja or en; anything else gets English)."""
    lang = "ja" if language.lower().startswith("ja") else "en"
    return {category: texts[lang] for category, texts in DEFINITIONS.items()}
