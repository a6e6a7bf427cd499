"""Translated labels for values stored as codes."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billing import roles
from billing.models import LedgerEntry, Membership

register = template.Library()

ROLE_LABELS = {roles.OWNER: gettext_lazy("Owner"), **dict(Membership.Role.choices)}


@register.filter
def role_label(role: str) -> str:
    """The role as people read it in the active language: "owner" -> "Owner" / "所有者"."""
    return str(ROLE_LABELS.get(role, role))


@register.filter
def ledger_description(entry) -> str:
    """What a ledger entry was for, in the reader's language, from what it links to.

    The stored memo is written once, in English, when the money moves; it stays the fallback
    (and what support searches in the admin).
    """
    order = entry.order
    if order is not None:
        if order.refund_of_id:
            return _("Refund of order %(number)s") % {"number": order.refund_of.number}
        parts = [str(order.product.get_code_display()), str(order.get_kind_display())]
        if order.app_id:
            parts.append(order.app.name)
        if order.sku_id:
            parts.append(_("%(count)s verifications") % {"count": f"{order.sku.verifications:,}"})
        if order.capacity_wan and order.months:
            parts.append(
                ngettext(
                    "%(capacity)s万 × %(months)d month",
                    "%(capacity)s万 × %(months)d months",
                    order.months,
                )
                % {"capacity": f"{order.capacity_wan:,}", "months": order.months}
            )
        return " · ".join(parts)
    if entry.bill_line_id:
        line = entry.bill_line
        usage = _("Postpaid usage on %(day)s") % {"day": f"{line.day:%Y-%m-%d}"}
        return f"{usage} · {line.app.name}" if line.app_id else usage
    if entry.kind == LedgerEntry.Kind.RECHARGE:
        return str(_("Recharge"))
    if entry.kind == LedgerEntry.Kind.ADJUSTMENT:
        return _("Adjustment by support: %(reason)s") % {"reason": entry.reason}
    return entry.memo
