"""Numbers in messages look the same in every language: ¥1,234.50 and 1,000,000.

Django's zh-hans number format has no thousands separator; billing amounts in Chinese consoles
and statements are conventionally grouped by thousands with commas.
"""

from django import template

from billing.money import fen_text

register = template.Library()


@register.filter
def money(value) -> str:
    """1234.5 -> "1,234.50" (to the fen, half-up as everywhere in billing)."""
    return fen_text(value)


@register.filter
def grouped(value) -> str:
    """1000000 -> "1,000,000"."""
    try:
        return f"{int(value):,}"
    except (ValueError, TypeError):
        return str(value)
