"""Why the classifier suggested what it did, in the analyst's language.

A reason is English text, as the API and the stored suggestions have always
given it, that also remembers the message it was made from and its
arguments. A suggestion stores both (`reasons` and `reason_messages`), so
the console can show each reason in the reader's language while API clients
keep reading the same English text.

Shown reasons are translated only from the messages listed here: a report's
`extra` can come from an API client, and a stored message is a format
string, so anything else is shown as the stored English text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext, gettext_noop

from renkei.incidents.labels import label

# Arguments named so are category codes, shown by their translated label.
_CATEGORY_ARGS = frozenset({"category"})

MESSAGES = frozenset({
    gettext_noop("the link downloads a file (%(kind)s)"),
    gettext_noop("the link points at an IP address, not a name"),
    gettext_noop("the link's host is an internationalized (xn--) name"),
    gettext_noop("the link is on a free hosting service (%(host)s)"),
    gettext_noop("the link goes through a URL shortener (%(host)s)"),
    gettext_noop("the link's path looks like a sign-in or payment page"),
    gettext_noop("the link's host contains %(brand)s but is not its site"),
    gettext_noop("the message asks the reader to open a link"),
    gettext_noop("lure wording: %(words)s"),
    gettext_noop("the text says %(words)s"),
    gettext_noop("words disguised with look-alike letters or stray marks"),
    gettext_noop("an HTML attachment (%(name)s) opens a local page"),
    gettext_noop("attachment %(name)s is or contains an executable (malware mail)"),
    gettext_noop("attachment %(name)s has macros (malware mail)"),
    gettext_noop("the abuse report's type is %(kind)s"),
    gettext_noop("imitates %(brand)s"),
    gettext_noop("%(category)s needs a URL and none was found"),
    gettext_noop("scan needs the source address and no global address was found"),
    gettext_noop("dos needs the target address or URL"),
    gettext_noop("looks like %(category)s (%(score).2f) but %(missing)s"),
    gettext_noop("%(category)s scored %(score).2f, below %(threshold)s: %(reason)s"),
    gettext_noop("no rule matched"),
    gettext_noop("brand %(brand)s named in the sender name%(times)s"),
    gettext_noop("brand %(brand)s named in the subject%(times)s"),
    gettext_noop("brand %(brand)s named in the sender domain%(times)s"),
    gettext_noop("brand %(brand)s named in the link host%(times)s"),
    gettext_noop("brand %(brand)s named in the body%(times)s"),
})  # fmt: skip


class Reason(str):
    """English text that remembers its message and arguments (nested reasons too)."""

    message: str
    args: dict[str, object]

    def __new__(cls, message: str, **args: object) -> Reason:
        assert message in MESSAGES, message  # a new rule needs its message listed
        made = super().__new__(cls, message % args)
        made.message, made.args = message, args
        return made

    def as_json(self) -> list[object]:
        return [
            self.message,
            {k: v.as_json() if isinstance(v, Reason) else v for k, v in self.args.items()},
        ]


def messages_of(reasons: list[str]) -> list[object]:
    """What a suggestion stores beside its English reasons."""
    return [r.as_json() if isinstance(r, Reason) else None for r in reasons]


def shown_reasons(suggestion: Mapping[str, Any] | None) -> list[str]:
    """A stored suggestion's (or brand match's) reasons in the active language."""
    if not isinstance(suggestion, Mapping):
        return []
    english = [str(r) for r in suggestion.get("reasons") or [] if isinstance(r, str)]
    messages = suggestion.get("reason_messages")
    if not isinstance(messages, list) or len(messages) != len(english):
        return english
    return [_translated(item) or text for item, text in zip(messages, english, strict=True)]


def _translated(item: object, depth: int = 0) -> str | None:
    """One stored [message, arguments] in the active language, or None if unusable."""
    if depth > 2 or not (isinstance(item, list) and len(item) == 2 and item[0] in MESSAGES):
        return None
    message, args = item
    if not isinstance(args, dict):
        return None
    shown: dict[str, object] = {}
    for name, value in args.items():
        if isinstance(value, list):
            value = _translated(value, depth + 1)
            if value is None:
                return None
        elif name in _CATEGORY_ARGS:
            value = label(str(value), "category")
        shown[name] = value
    try:
        return gettext(message) % shown
    except (KeyError, TypeError, ValueError):  # an argument of the wrong kind
        return None
