"""Template helpers of the console: translated labels, JSON shown as text."""

from __future__ import annotations

import json
from typing import Any

from django import template

from renkei.incidents.labels import label as translate_label
from renkei.intake.reasons import shown_reasons
from renkei.lib.marks import reveal_marks

register = template.Library()


@register.filter
def label(value: Any, table: str) -> str:
    """{{ incident.category|label:"category" }}"""
    return translate_label(str(value), table)


@register.filter
def as_json(value: Any) -> str:
    """Audit before/after as indented JSON text (escaped by the template like any text)."""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str)


@register.filter
def decoded(value: bytes) -> str:
    """Raw report bytes as text for display; undecodable bytes become U+FFFD."""
    return bytes(value or b"").decode("utf-8", errors="replace")


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with some parameters replaced (pagination links)."""
    params = context["request"].GET.copy()
    for name, value in changes.items():
        if value in (None, ""):
            params.pop(name, None)
        else:
            params[name] = value
    return params.urlencode()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """{{ row|get_item:"0-3" }}: dictionary keys that are not identifiers."""
    return mapping.get(key)


# {{ name|reveal_controls }}: bidirectional and zero-width marks shown as <U+202E>.
register.filter("reveal_controls", reveal_marks)

# {% for reason in suggestion|reasons_shown %}: the classifier's reasons in the reader's language.
register.filter("reasons_shown", shown_reasons)
