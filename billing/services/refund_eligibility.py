"""Is this order refundable now, and for how much (SPEC.md §2 CAPTCHA refund, §3 push refunds).

Pure reads: the checks, the amount, its cash/gift split and the calculation the customer and
support are shown. Tickets (billing/services/refunds.py) store this quote when filed and pay it.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy, pricing
from billing.days import billing_day
from billing.models import (
    OPEN_REFUND_STATES,
    ZERO,
    Order,
    Product,
    PushApp,
    PushSubscription,
    RefundTicket,
)
from billing.money import yuan

PERIOD_KINDS = (Order.Kind.NEW, Order.Kind.RENEWAL)


@dataclass(frozen=True)
class Check:
    label: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class Eligibility:
    """Which refund applies to an order today, why, and how much it returns."""

    kind: str | None
    checks: tuple[Check, ...]
    reason: str = ""  # why the order cannot be refunded, in plain words
    amount: Decimal = ZERO
    cash: Decimal = ZERO
    gift: Decimal = ZERO
    calculation: tuple[str, ...] = ()
    orders: tuple[Order, ...] = field(default=())  # every order this refund returns money for

    @property
    def refundable(self) -> bool:
        return self.kind is not None


def _days_since_purchase(order: Order, now: dt.datetime) -> int:
    return (billing_day(now) - billing_day(order.created_at)).days


def refund_eligibility(
    *, order: Order, now: dt.datetime | None = None, ticket: RefundTicket | None = None
) -> Eligibility:
    """What a refund of `order` filed at `now` would be. `ticket`: the request being judged,
    so that its own reservation of the five-day right does not count against it."""
    now = now or timezone.now()
    if order.kind == Order.Kind.REFUND or order.status != Order.Status.PAID:
        return Eligibility(None, (), reason=_("This order has already been refunded."))
    if order.product.code == Product.Code.CAPTCHA:
        return captcha_eligibility(order, now)
    if order.kind == Order.Kind.UPGRADE:
        return Eligibility(
            None,
            (),
            reason=_(
                "Upgrade fees are refunded with the subscription: request the refund on the "
                "order of the current period."
            ),
        )
    return _push_eligibility(order, now, ticket=ticket)


def five_day_right_taken(*, account, ticket: RefundTicket | None = None) -> str:
    """Why the account's once-only five-day right is not available, or "" (SPEC §3: a
    request filed in time reserves it; a paid one uses it; rejection or withdrawal frees it)."""
    if account.five_day_refund_used_at:
        return _("used on %(date)s") % {
            "date": f"{billing_day(account.five_day_refund_used_at):%Y-%m-%d}"
        }
    reserving = RefundTicket.objects.filter(
        account=account, kind=RefundTicket.Kind.FIVE_DAY, status__in=OPEN_REFUND_STATES
    )
    if ticket is not None:
        reserving = reserving.exclude(pk=ticket.pk)
    other = reserving.select_related("order").first()
    if other:
        return _("reserved by the open request #%(id)d for order %(number)s") % {
            "id": other.pk,
            "number": other.order.number,
        }
    return ""


def captcha_eligibility(order: Order, now: dt.datetime) -> Eligibility:
    pack = getattr(order, "pack", None)
    days = _days_since_purchase(order, now)
    window = Check(
        _("Bought within the last %(days)d days") % {"days": policy.CAPTCHA_REFUND_WINDOW_DAYS},
        days <= policy.CAPTCHA_REFUND_WINDOW_DAYS,
        _("%(days)d days ago") % {"days": days},
    )
    unused = Check(
        _("Not used at all"),
        pack is not None and pack.used == 0 and pack.refunded_at is None,
        _("%(used)s verifications used") % {"used": f"{pack.used:,}" if pack else "—"},
    )
    checks = (window, unused)
    if not all(check.passed for check in checks):
        return Eligibility(
            None,
            checks,
            reason=_(
                "A CAPTCHA pack can be refunded only within 5 days of purchase and only if "
                "it has not been used at all."
            ),
        )
    refund = pricing.five_day_refund(
        paid_cash=order.cash_amount,
        paid_gift=order.gift_amount,
        paid_voucher=order.voucher_amount,
    )
    return Eligibility(
        RefundTicket.Kind.CAPTCHA,
        checks,
        amount=refund.amount,
        cash=refund.cash,
        gift=refund.gift,
        orders=(order,),
        calculation=(
            _("Paid %(paid)s (cash and gift credit); the voucher part is not refunded.")
            % {"paid": yuan(refund.paid)},
        ),
    )


def _period_orders(app: PushApp) -> list[Order]:
    return list(
        Order.objects.filter(app=app, kind__in=PERIOD_KINDS, status=Order.Status.PAID).order_by(
            "period_start"
        )
    )


def _paid_upgrades(app: PushApp, *, since: dt.datetime) -> list[Order]:
    """The app's paid upgrade orders from `since` on, oldest first."""
    return list(
        Order.objects.filter(
            app=app, kind=Order.Kind.UPGRADE, status=Order.Status.PAID, created_at__gte=since
        ).order_by("created_at")
    )


def _push_eligibility(
    order: Order, now: dt.datetime, *, ticket: RefundTicket | None = None
) -> Eligibility:
    account = order.account
    subscription = PushSubscription.objects.filter(
        app=order.app, state=PushSubscription.State.ACTIVE
    ).first()
    active = Check(_("The prepaid subscription is active"), subscription is not None)
    if subscription is None:
        return Eligibility(None, (active,), reason=_("This app has no active prepaid service."))
    days = _days_since_purchase(order, now)
    taken = five_day_right_taken(account=account, ticket=ticket)
    five_day = (
        Check(_("Five-day right not used yet"), not taken, taken),
        Check(
            _("Bought within the last %(days)d days") % {"days": policy.PUSH_FIVE_DAY_REFUND_DAYS},
            days <= policy.PUSH_FIVE_DAY_REFUND_DAYS,
            _("%(days)d days ago") % {"days": days},
        ),
    )
    if all(check.passed for check in five_day):
        orders = (order, *_ended_with(order, now))
        refund = pricing.five_day_refund(
            paid_cash=sum((o.cash_amount for o in orders), ZERO),
            paid_gift=sum((o.gift_amount for o in orders), ZERO),
            paid_voucher=sum((o.voucher_amount for o in orders), ZERO),
        )
        return Eligibility(
            RefundTicket.Kind.FIVE_DAY,
            (active, *five_day),
            amount=refund.amount,
            cash=refund.cash,
            gift=refund.gift,
            orders=orders,
            calculation=(
                _("Five-day no-reason refund: everything paid except vouchers, %(paid)s.")
                % {"paid": yuan(refund.paid)},
                *(
                    _("Includes order %(number)s (%(kind)s), which ends with it: %(paid)s.")
                    % {
                        "number": other.number,
                        "kind": other.get_kind_display(),
                        "paid": yuan(other.cash_amount + other.gift_amount),
                    }
                    for other in orders[1:]
                ),
            ),
        )
    return _normal_refund(order, subscription, now, checks=(active, *five_day))


def _ended_with(order: Order, now: dt.datetime) -> list[Order]:
    """Orders a five-day refund of `order` makes worthless, so they come back with it.

    Refunding a running period ends the subscription: the upgrades bought since and the
    renewals not yet started would otherwise be paid for nothing. A not-started renewal refunded
    on its own only shortens the subscription, so nothing else ends with it.
    """
    if order.kind == Order.Kind.RENEWAL and order.period_start > now:
        return []
    not_started = [
        o for o in _period_orders(order.app) if o.period_start > now and o.pk != order.pk
    ]
    return [*_paid_upgrades(order.app, since=order.created_at), *not_started]


def _normal_refund(order, subscription, now, *, checks) -> Eligibility:
    """SPEC.md §3: current order + not-yet-started orders − consumed, floored at ¥0.

    Upgrade fees paid during the current period count as paid for it; consumption is priced
    at the current period order's own configuration (the customer's favour).
    """
    orders = _period_orders(subscription.app)
    current = next((o for o in orders if o.period_start <= now < o.period_end), None)
    if current is None:
        return Eligibility(
            None, checks, reason=_("No prepaid period of this app is running right now.")
        )
    upgrades = _paid_upgrades(subscription.app, since=current.period_start)
    not_started = [o for o in orders if o.period_start > now]
    paid_current = pricing.PaidOrder(
        cash=current.cash_amount + sum((u.cash_amount for u in upgrades), ZERO),
        gift=current.gift_amount + sum((u.gift_amount for u in upgrades), ZERO),
    )
    monthly = pricing.push_monthly_price(
        region=subscription.app.access_point,
        capacity_wan=current.capacity_wan,
        months=current.months,
    )
    refund = pricing.push_normal_refund(
        current_order=paid_current,
        not_started_orders=[
            pricing.PaidOrder(cash=o.cash_amount, gift=o.gift_amount) for o in not_started
        ],
        monthly_price=monthly,
        months=current.months,
        start=billing_day(current.period_start),
        on=billing_day(now),
    )
    calculation = (
        _("Paid for the current and not-yet-started periods: %(paid)s")
        % {"paid": yuan(refund.paid)},
        _(
            "Used: %(months)d whole months and %(days)d days at %(monthly)s a month (a partial "
            "month is prorated over 30 days): %(consumed)s"
        )
        % {
            "months": refund.whole_months_used,
            "days": refund.leftover_days_used,
            "monthly": yuan(pricing.to_fen(monthly)),
            "consumed": yuan(refund.consumed),
        },
        _("Vouchers are not refunded."),
    )
    covered = (current, *upgrades, *not_started)
    if order.pk not in {o.pk for o in covered}:
        return Eligibility(
            None,
            checks,
            reason=_("This order's period has already ended; nothing of it is left to refund."),
        )
    return Eligibility(
        RefundTicket.Kind.NORMAL,
        checks,
        amount=refund.amount,
        cash=refund.cash,
        gift=refund.gift,
        calculation=calculation,
        orders=covered,
    )
