"""Translated names of the domain's codes, in the words of GLOSSARY.md.

The models keep English choice labels (they are part of the migrations);
pages show these, through the `label` template filter.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CATEGORY_LABELS: dict[str, Promise] = {
    "phishing": _("phishing site"),
    "defacement": _("website defacement"),
    "malware_site": _("malware site"),
    "scan": _("scan"),
    "dos": _("DoS/DDoS"),
    "ics": _("industrial control systems"),
    "targeted_attack": _("targeted attack"),
    "other": pgettext_lazy("category", "other"),
}
STATUS_LABELS: dict[str, Promise] = {
    "open": pgettext_lazy("incident status", "open"),
    "notified": pgettext_lazy("incident status", "notified"),
    "not_notified": _("no notification needed"),
    "resolved": pgettext_lazy("incident status", "resolved"),
    "merged": pgettext_lazy("incident status", "merged"),
}
REASON_LABELS: dict[str, Promise] = {
    "site_unreachable": _("site cannot be confirmed"),
    "already_notified": _("the party has already been contacted"),
    "information_only": _("information only"),
    "low_threat": _("low threat"),
    "insufficient_logs": _("logs lack detail"),
    "insufficient_information": _("insufficient information"),
}
BASIS_LABELS: dict[str, Promise] = {
    "site_confirmed": _("site confirmed"),
    "detailed_logs": _("detailed logs"),
    "contact_requested": _("the reporter asked us to contact the party"),
    "high_threat": _("high threat"),
}
NOTIFICATION_STATUS_LABELS: dict[str, Promise] = {
    "queued": pgettext_lazy("notification status", "queued"),
    "sent": pgettext_lazy("notification status", "sent"),
    "failed": pgettext_lazy("notification status", "failed"),
}
CHANNEL_LABELS: dict[str, Promise] = {
    "web": _("web form"),
    "email": _("e-mail"),
    "fax": _("FAX"),
    "phone": pgettext_lazy("channel", "telephone"),
    "api": _("API"),
    "feed": _("feed"),
    "import": _("bulk import"),
}
CONTACT_ROLE_LABELS: dict[str, Promise] = {
    "site_owner": _("site owner"),
    "hosting": _("hosting provider"),
    "registrar": _("registrar"),
    "csirt": _("CSIRT"),
    "other": pgettext_lazy("contact role", "other"),
}
ACTION_LABELS: dict[str, Promise] = {
    "incident.classify": _("reclassified"),
    "incident.assign": _("assigned"),
    "incident.merge": _("merged"),
    "incident.unmerge": _("merge undone"),
    "incident.split": _("split"),
    "incident.no_notification": _("no notification needed"),
    "incident.resolve": _("resolved"),
    "notification.queue": _("notification queued"),
    "notification.sent": _("notification sent"),
    "notification.failed": _("notification failed"),
    "notification.retry": _("notification will be retried"),
}
TIMELINE_KIND_LABELS: dict[str, Promise] = {
    "audit": _("change"),
    "report": _("report"),
    "notification": _("notification"),
    "no_notification": _("no notification needed"),
    "resolution": _("resolution"),
}
# OpenPGP verdicts on an e-mail report (intake/parsers/pgp.py): `partly_signed`
# must read differently from `valid`, or the analyst trusts text nobody signed.
SIGNATURE_LABELS: dict[str, Promise] = {
    "valid": _("signature valid"),
    "partly_signed": _("partly signed"),
    "bad": _("signature bad"),
    "no_public_key": _("signed with an unknown key"),
    "error": _("signature not checked"),
}
SIGNATURE_WHERE_LABELS: dict[str, Promise] = {
    "pgp/mime": _("PGP/MIME signed part"),
    "inline": _("clearsigned block"),
    "inside the encrypted message": _("inside the encrypted message"),
}

TABLES: dict[str, dict[str, Promise]] = {
    "category": CATEGORY_LABELS,
    "status": STATUS_LABELS,
    "reason": REASON_LABELS,
    "basis": BASIS_LABELS,
    "notification_status": NOTIFICATION_STATUS_LABELS,
    "channel": CHANNEL_LABELS,
    "contact_role": CONTACT_ROLE_LABELS,
    "action": ACTION_LABELS,
    "timeline": TIMELINE_KIND_LABELS,
    "signature": SIGNATURE_LABELS,
    "signature_where": SIGNATURE_WHERE_LABELS,
}


def label(value: str, table: str) -> str:
    """The translated name of `value` in `table`, or the value itself when unknown."""
    found = TABLES.get(table, {}).get(value)
    return str(found) if found is not None else value
