"""Translated labels for values stored as codes."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billing import roles
from billing.models import AccessPoint, LedgerEntry, PackSku

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """The role as people read it in the active language: "owner" -> "Owner" / "所有者"."""
    return roles.label(role)


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
        if order.kind == order.Kind.UPGRADE and order.capacity_wan:
            # An upgrade buys the new capacity for the days left, not for `months`.
            parts.append(_("to %(capacity)s万") % {"capacity": f"{order.capacity_wan:,}"})
        elif order.capacity_wan and order.months:
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
    if entry.kind == LedgerEntry.Kind.RECHARGE and (entry.idempotency_key or "").startswith(
        "recharge:"
    ):
        # The payment provider's reference is what a customer matches against a bank statement.
        return _("Payment reference %(reference)s") % {
            "reference": entry.idempotency_key.removeprefix("recharge:")
        }
    if entry.kind == LedgerEntry.Kind.ADJUSTMENT:
        return _("Adjustment by support: %(reason)s") % {"reason": entry.reason}
    return entry.memo


def _grouped(value) -> str:
    return f"{int(value):,}"


def _region(code) -> str:
    return str(dict(AccessPoint.choices).get(code, code))


BANDS = {
    "1-5 months": gettext_lazy("1–5 months"),
    "6-11 months": gettext_lazy("6–11 months"),
    "1 year": gettext_lazy("1 year"),
    "2 years": gettext_lazy("2 years"),
}
PACK_KINDS = dict(PackSku.Kind.choices)


def _line_text(code: str, args: dict) -> str | None:
    if code == "push_prepaid":
        return ngettext(
            "Mobile push prepaid, %(region)s: %(capacity)s万 DAU peak × %(months)d month",
            "Mobile push prepaid, %(region)s: %(capacity)s万 DAU peak × %(months)d months",
            args["months"],
        ) % {
            "region": _region(args["region"]),
            "capacity": _grouped(args["capacity"]),
            "months": args["months"],
        }
    if code == "push_upgrade":
        return _(
            "Mobile push upgrade, %(region)s: %(from)s万 → %(to)s万 DAU peak (%(band)s band), "
            "monthly price difference × %(days)s days ÷ (365 ÷ 12)"
        ) % {
            "region": _region(args["region"]),
            "from": _grouped(args["from"]),
            "to": _grouped(args["to"]),
            "band": BANDS.get(args["band"], args["band"]),
            "days": args["days"],
        }
    if code == "push_postpaid_free":
        return _("Mobile push postpaid, %(region)s: DAU %(dau)s (up to 1,000 is free)") % {
            "region": _region(args["region"]),
            "dau": _grouped(args["dau"]),
        }
    if code in ("push_postpaid_fixed", "push_postpaid_per_dau"):
        text = (
            _(
                "Mobile push postpaid, %(region)s, charged day %(day)s: DAU %(dau)s "
                "(1,001–10,000, fixed price)"
            )
            if code == "push_postpaid_fixed"
            else _(
                "Mobile push postpaid, %(region)s, charged day %(day)s: DAU %(dau)s "
                "(above 10,000, per DAU)"
            )
        )
        return text % {
            "region": _region(args["region"]),
            "day": _grouped(args["day"]),
            "dau": _grouped(args["dau"]),
        }
    if code == "push_postpaid_stopped":
        return _("Service stopped all day: not charged")
    if code == "captcha_already_billed":
        return _("Already billed for this day")
    if code == "captcha_overage":
        return _("CAPTCHA postpaid: %(count)s verifications") % {"count": _grouped(args["count"])}
    if code == "captcha_pack":
        return _("%(kind)s of %(count)s verifications") % {
            "kind": PACK_KINDS.get(args["kind"], args["kind"]),
            "count": _grouped(args["count"]),
        }
    return None


@register.filter
def line_label(line) -> str:
    """A breakdown line's label in the reader's language.

    Works for a live QuoteLine and for a line stored on an order (a dict); lines stored before
    codes existed, or with a code this console does not know, keep their English label.
    """
    if isinstance(line, dict):
        code, args, label = line.get("code", ""), line.get("args") or {}, line.get("label", "")
    else:
        code, args, label = line.code, dict(line.args), line.label
    try:
        return _line_text(code, args) or label
    except (KeyError, TypeError, ValueError):
        return label
