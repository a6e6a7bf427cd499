from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from billing import money

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
    return money.yuan(value)


@register.filter
def rate_off(rate) -> str:
    """A price multiplier as the saving people read: 0.85 -> "15% off"; no discount -> "—"."""
    if rate in (None, ""):
        return "—"
    off = (1 - Decimal(str(rate))) * 100
    if off <= 0:
        return "—"
    return _("%(percent)s%% off") % {"percent": f"{off.normalize():f}"}


@register.filter
def percent_off(percent_paid) -> str:
    """The same for a share paid in percent: 90 -> "10% off"."""
    if percent_paid in (None, ""):
        return "—"
    return rate_off(Decimal(str(percent_paid)) / 100)
