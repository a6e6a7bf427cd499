from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def unit_price(value) -> str:
    """Unit prices keep up to 5 places (¥0.00152) but always show the fen: 400 -> 400.00."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value)).normalize()
    places = max(2, -amount.as_tuple().exponent)
    return f"{amount:,.{places}f}"
