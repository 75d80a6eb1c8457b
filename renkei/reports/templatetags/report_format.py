"""Number formats of the report, the same in every language and locale."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def count(value: int | None) -> str:
    """1234 -> 1,234 (the seed's format, whatever the locale)."""
    return "-" if value is None else f"{value:,}"


@register.filter
def signed_pct(value: int | float | None) -> str:
    """A change: +17%, -9%, 0%; "-" when there is nothing to compare with."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:+.1f}%" if value else "0.0%"
    return f"{value:+d}%" if value else "0%"
