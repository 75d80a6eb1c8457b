"""Default notification templates (ja/en for every category) and SLA targets.

Administrators edit both afterwards; this only fills what is missing.
"""

from django.db import migrations

SLA = {
    # category: (business days to first notification, to resolution)
    "phishing": (1, 10),
    "defacement": (2, 15),
    "malware_site": (1, 10),
    "scan": (5, 20),
    "dos": (1, 10),
    "ics": (1, 20),
    "targeted_attack": (1, 20),
    "other": (5, 20),
}

SUBJECTS = {
    "ja": {
        "phishing": "フィッシングサイトに関する対応のお願い",
        "defacement": "Web サイト改ざんに関する対応のお願い",
        "malware_site": "マルウェアサイトに関する対応のお願い",
        "scan": "スキャン行為に関する調査のお願い",
        "dos": "DoS/DDoS 攻撃に関する調査のお願い",
        "ics": "制御システム関連インシデントに関するご連絡",
        "targeted_attack": "標的型攻撃に関するご連絡",
        "other": "インシデントに関するご連絡",
    },
    "en": {
        "phishing": "Phishing site: request for takedown",
        "defacement": "Website defacement: request for action",
        "malware_site": "Malware site: request for action",
        "scan": "Scanning activity: request for investigation",
        "dos": "DoS/DDoS attack: request for investigation",
        "ics": "Incident involving industrial control systems",
        "targeted_attack": "Targeted attack: information",
        "other": "Incident report",
    },
}

LEADS = {
    "ja": {
        "phishing": "貴組織の管理下にあると思われる以下の URL で、フィッシングサイトが稼働しているとの報告を受けました。{% if brand %}このサイトは「{{ brand }}」を装っているとみられます。{% endif %}サイトの停止（テイクダウン）をご検討ください。",
        "defacement": "以下の Web サイトが改ざんされているとの報告を受けました。",
        "malware_site": "以下の URL からマルウェアが配布されているとの報告を受けました。",
        "scan": "以下の IP アドレスから、スキャンとみられる通信が行われているとの報告を受けました。",
        "dos": "以下の宛先に対する DoS/DDoS 攻撃に関する報告を受けました。",
        "ics": "制御システムに関連するインシデントの報告を受けました。",
        "targeted_attack": "標的型攻撃に関連するとみられる報告を受けました。",
        "other": "以下のインシデントに関する報告を受けました。",
    },
    "en": {
        "phishing": "We have received reports of a phishing site at the URL below, which appears to be under your administration.{% if brand %} The site appears to impersonate {{ brand }}.{% endif %} Please consider taking it down.",
        "defacement": "We have received reports that the website below has been defaced.",
        "malware_site": "We have received reports that malware is being distributed from the URL below.",
        "scan": "We have received reports of scanning activity from the IP address below.",
        "dos": "We have received reports of a DoS/DDoS attack involving the target below.",
        "ics": "We have received a report of an incident involving industrial control systems.",
        "targeted_attack": "We have received a report that appears to relate to a targeted attack.",
        "other": "We have received a report about the incident below.",
    },
}

BODY = {
    "ja": """{{ organisation|default:"ご担当者" }} 様

{{ center_name }} です。
LEAD

■ 対象
{% for url in urls %}  {{ url }}
{% endfor %}{% for ip in ips %}  {{ ip }}
{% endfor %}{% if ports %}  ポート: {{ ports|join:", " }}
{% endif %}
■ 最初の報告: {{ first_report_at }}
■ 報告件数: {{ report_count }}

状況をご確認のうえ、必要な対応をお願いいたします。
ご返信の際は、件名の {{ ticket }} を残してください。

--
{{ center_name }}
""",
    "en": """Dear {{ organisation|default:"colleague" }},

This is {{ center_name }}.
LEAD

Affected:
{% for url in urls %}  {{ url }}
{% endfor %}{% for ip in ips %}  {{ ip }}
{% endfor %}{% if ports %}  Ports: {{ ports|join:", " }}
{% endif %}
First reported: {{ first_report_at }}
Reports received: {{ report_count }}

Please look into this and take the action you consider appropriate.
When you reply, please keep {{ ticket }} in the subject.

--
{{ center_name }}
""",
}


def seed(apps, schema_editor):
    Template = apps.get_model("coordination", "NotificationTemplate")
    Sla = apps.get_model("coordination", "SlaTarget")
    for language, subjects in SUBJECTS.items():
        for category, subject in subjects.items():
            body = BODY[language].replace("LEAD", LEADS[language][category])
            Template.objects.get_or_create(
                category=category, language=language, defaults={"subject": subject, "body": body}
            )
    for category, (first, resolution) in SLA.items():
        Sla.objects.get_or_create(
            category=category,
            defaults={"first_notification_days": first, "resolution_days": resolution},
        )


class Migration(migrations.Migration):
    dependencies = [("coordination", "0002_console_coordination")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
