from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def unit_price(value) -> str:
    """Unit prices keep up to 5 places (¥0.00152) but always show the fen: 400 -> 400.00."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value)).normalize()
    places = max(2, -amount.as_tuple().exponent)
    return f"{amount:,.{places}f}"


@register.filter
def yuan(value) -> str:
    """A signed balance: ¥1,234.50 or −¥1,234.50 (the sign before the currency, as people write
    a debt), grouped as the active language groups numbers."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value))
    sign = "−" if amount < 0 else ""
    return f"{sign}¥{floatformat(abs(amount), '2g')}"
