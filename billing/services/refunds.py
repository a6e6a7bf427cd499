"""Refund tickets: the customer asks, support decides, the system computes and executes.

Rules are SPEC.md's: §2 CAPTCHA refund (a pack bought within 5 days and unused comes back in
full, vouchers excluded) and §3 push refunds (the once-per-account five-day no-reason refund,
and the normal refund: paid + not-yet-started − consumed, floored at ¥0).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy, pricing, roles
from billing.days import billing_day
from billing.errors import BillingError, NotPermitted
from billing.models import (
    ZERO,
    Order,
    PackSku,
    Product,
    PushApp,
    PushSubscription,
    RefundTicket,
    RefundTicketEvent,
)
from billing.selectors import Acting
from billing.text import REASON_LENGTH, clean_text

from . import app_lifecycle
from .ledger import lock_account, post_entry
from .notices import notify
from .numbers import next_order_number

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


def _yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def refund_eligibility(
    *, order: Order, now: dt.datetime | None = None, ticket: RefundTicket | None = None
) -> Eligibility:
    """What a refund of `order` filed at `now` would be. `ticket`: the request being judged,
    so that its own reservation of the five-day right does not count against it."""
    now = now or timezone.now()
    if order.kind == Order.Kind.REFUND or order.status != Order.Status.PAID:
        return Eligibility(None, (), reason=_("This order has already been refunded."))
    if order.product.code == Product.Code.CAPTCHA:
        return _captcha_eligibility(order, now)
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
        account=account, kind=RefundTicket.Kind.FIVE_DAY, status__in=OPEN_STATES
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


def _captcha_eligibility(order: Order, now: dt.datetime) -> Eligibility:
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
            % {"paid": _yuan(refund.paid)},
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
                % {"paid": _yuan(refund.paid)},
                *(
                    _("Includes order %(number)s (%(kind)s), which ends with it: %(paid)s.")
                    % {
                        "number": other.number,
                        "kind": other.get_kind_display(),
                        "paid": _yuan(other.cash_amount + other.gift_amount),
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
        % {"paid": _yuan(refund.paid)},
        _(
            "Used: %(months)d whole months and %(days)d days at %(monthly)s a month (a partial "
            "month is prorated over 30 days): %(consumed)s"
        )
        % {
            "months": refund.whole_months_used,
            "days": refund.leftover_days_used,
            "monthly": _yuan(pricing.to_fen(monthly)),
            "consumed": _yuan(refund.consumed),
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


def _record(
    ticket: RefundTicket, action: str, *, actor, note: str = "", amount=None, tell: bool = True
):
    """One timeline step; `tell` sends the customer a notice (one per decision, not per step)."""
    event = RefundTicketEvent.objects.create(
        ticket=ticket, action=action, actor=actor, note=note, amount=amount
    )
    if not tell:
        return event
    notify(
        kind="refund_ticket_update",
        account=ticket.account,
        subject=event,
        day=billing_day(event.created_at),
    )
    return event


def request_refund(
    *, acting: Acting, user, order: Order, reason: str, now: dt.datetime | None = None
) -> RefundTicket:
    if not roles.can_spend(acting.role):
        raise NotPermitted(
            _("The {role} role cannot request refunds.").format(role=acting.role_label)
        )
    if order.account_id != acting.account.pk:
        raise NotPermitted(_("That order belongs to another account."))
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(_("Tell us why you want a refund."))
    reason = clean_text(reason, label=_("The reason"), max_length=REASON_LENGTH, multiline=True)
    with transaction.atomic():
        lock_account(acting.account.pk)
        # Judged on fresh rows under the lock: the five-day right may have just been used.
        order = Order.objects.select_related("account", "product", "app", "sku").get(pk=order.pk)
        if RefundTicket.objects.filter(order=order, status__in=OPEN_STATES).exists():
            raise BillingError(_("This order already has an open refund request."))
        eligibility = refund_eligibility(order=order, now=now)
        if not eligibility.refundable:
            raise BillingError(eligibility.reason)
        # The ticket is the quote: approval pays what is fixed here (SPEC §3).
        ticket = RefundTicket.objects.create(
            account=acting.account,
            order=order,
            kind=eligibility.kind,
            customer_reason=reason,
            quoted_amount=eligibility.amount,
            quoted_cash=eligibility.cash,
            quoted_gift=eligibility.gift,
            calculation=[str(line) for line in eligibility.calculation],
            requested_by=user,
            created_at=now or timezone.now(),
        )
        ticket.covered_orders.set(eligibility.orders)
        _record(
            ticket,
            RefundTicketEvent.Action.SUBMITTED,
            actor=user,
            note=reason,
            amount=eligibility.amount,
        )
    return ticket


OPEN_STATES = (RefundTicket.Status.SUBMITTED, RefundTicket.Status.UNDER_REVIEW)


def _locked_ticket(ticket_id: int) -> RefundTicket:
    return (
        RefundTicket.objects.select_for_update()
        .select_related("order", "account")
        .get(pk=ticket_id)
    )


def withdraw(*, acting: Acting, user, ticket: RefundTicket) -> RefundTicket:
    if not roles.can_spend(acting.role):
        raise NotPermitted(
            _("The {role} role cannot withdraw refunds.").format(role=acting.role_label)
        )
    with transaction.atomic():
        locked = _locked_ticket(ticket.pk)
        if locked.account_id != acting.account.pk:
            raise NotPermitted(_("That ticket belongs to another account."))
        if not locked.is_open:
            raise BillingError(_("This ticket was already decided and can no longer be withdrawn."))
        locked.withdraw()
        locked.save(update_fields=["status"])
        _record(locked, RefundTicketEvent.Action.WITHDRAWN, actor=user)
    return locked


def start_review(*, ticket: RefundTicket, by) -> RefundTicket:
    with transaction.atomic():
        locked = _locked_ticket(ticket.pk)
        if locked.status != RefundTicket.Status.SUBMITTED:
            raise BillingError(_("Only a submitted ticket can be taken into review."))
        locked.start_review()
        locked.save(update_fields=["status"])
        _record(locked, RefundTicketEvent.Action.REVIEW_STARTED, actor=by)
    return locked


def reject(*, ticket: RefundTicket, by, reason: str) -> RefundTicket:
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(_("A reason is required to reject a refund."))
    reason = clean_text(reason, label=_("The reason"), max_length=REASON_LENGTH, multiline=True)
    with transaction.atomic():
        locked = _locked_ticket(ticket.pk)
        if not locked.is_open:
            raise BillingError(_("This ticket was already decided."))
        locked.reject(by=by, reason=reason, at=timezone.now())
        locked.save(update_fields=["status", "staff_reason", "decided_by", "decided_at"])
        _record(locked, RefundTicketEvent.Action.REJECTED, actor=by, note=reason)
    return locked


def approval_refusal(*, ticket: RefundTicket, quote: Eligibility | None = None) -> str | None:
    """Why this ticket cannot be paid as quoted, or None: the admin's check column, the bulk
    action and approve() all ask this. `quote`: ticket_quote(ticket), if the caller has it."""
    if not ticket.is_open:
        return _("This ticket was already decided.")
    quote = quote or ticket_quote(ticket)
    if not quote.refundable:
        return quote.reason
    if any(order.status != Order.Status.PAID for order in quote.orders):
        return _("An order this refund covers was refunded in the meantime.")
    if ticket.kind == RefundTicket.Kind.CAPTCHA:
        # SPEC §2: only a pack not used at all comes back; using it after filing ends that.
        still = _captcha_eligibility(ticket.order, ticket.created_at)
        if not still.refundable:
            return still.reason
    return None


def ticket_quote(ticket: RefundTicket) -> Eligibility:
    """The quote fixed at filing. Tickets filed before quotes were stored are judged again as
    of their filing instant, which is what the stored quote would have been."""
    if ticket.quoted_cash is None:
        return refund_eligibility(order=ticket.order, now=ticket.created_at, ticket=ticket)
    return Eligibility(
        ticket.kind,
        (),
        amount=ticket.quoted_amount,
        cash=ticket.quoted_cash,
        gift=ticket.quoted_gift,
        calculation=tuple(ticket.calculation),
        orders=tuple(ticket.covered_orders.order_by("created_at", "id")),
    )


def approve(
    *,
    ticket: RefundTicket,
    by,
    amount: Decimal | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> RefundTicket:
    """Pay the quote fixed at filing, atomically; staff may lower the amount, never raise it.

    The kind paid is the ticket's kind: a five-day request filed in time and decided on day 6
    still pays the five-day amount (SPEC §3)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _locked_ticket(ticket.pk)
        account = lock_account(locked.account_id)
        order = Order.objects.select_for_update().get(pk=locked.order_id)
        quote = ticket_quote(locked)
        refusal = approval_refusal(ticket=locked, quote=quote)
        if refusal:
            raise BillingError(refusal)
        refund_amount, cash, gift = quote.amount, quote.cash, quote.gift
        if amount is not None and amount != quote.amount:
            if amount > quote.amount:
                raise BillingError(
                    _("The refund cannot be more than the computed %(amount)s.")
                    % {"amount": _yuan(quote.amount)}
                )
            if amount < 0:
                raise BillingError(_("The refund cannot be negative."))
            if not reason:
                raise BillingError(_("Give a reason for refunding less than computed."))
            reason = clean_text(
                reason, label=_("The reason"), max_length=REASON_LENGTH, multiline=True
            )
            refund_amount = amount
            cash, gift = pricing.split_refund(
                amount=amount,
                paid_cash=sum(o.cash_amount for o in quote.orders),
                paid_gift=sum(o.gift_amount for o in quote.orders),
            )
        refund_order = Order.objects.create(
            number=next_order_number(at=now),
            account=account,
            product=order.product,
            kind=Order.Kind.REFUND,
            refund_of=order,
            total=refund_amount,
            cash_amount=cash,
            gift_amount=gift,
            idempotency_key=f"refund-ticket-{locked.pk}",
            created_by=by,
            created_at=now,
            app=order.app,
            sku=order.sku,
            breakdown=[{"label": line, "subtotal": ""} for line in quote.calculation],
        )
        if refund_amount > 0:
            post_entry(
                account=account,
                kind="refund",
                cash=cash,
                gift=gift,
                order=refund_order,
                memo=f"Refund of {order.number}",
                created_by=by,
            )
        for refunded in quote.orders:
            refunded.mark_refunded()
            refunded.save(update_fields=["status", "refunded_at"])
        _end_service(order, quote, now, by=by)
        if locked.kind == RefundTicket.Kind.FIVE_DAY:
            account.five_day_refund_used_at = now
            account.save(update_fields=["five_day_refund_used_at"])
        locked.refund(
            by=by,
            amount=refund_amount,
            cash=cash,
            gift=gift,
            order=refund_order,
            reason=reason,
            at=now,
        )
        locked.save()
        # The timeline keeps SPEC §2's steps: refund order created, then refunded.
        _record(
            locked,
            RefundTicketEvent.Action.APPROVED,
            actor=by,
            note=reason,
            amount=refund_amount,
            tell=False,
        )
        _record(locked, RefundTicketEvent.Action.REFUNDED, actor=by, amount=refund_amount)
    return locked


def _end_service(order: Order, eligibility: Eligibility, now: dt.datetime, *, by) -> None:
    """The pack goes, or the prepaid service stops (SPEC.md §3: trial if DAU allows)."""
    if order.sku_id and order.sku.kind in (PackSku.Kind.COUNT, PackSku.Kind.TOPUP):
        order.pack.refunded_at = now
        order.pack.save(update_fields=["refunded_at"])
        return
    app = PushApp.objects.select_for_update().get(pk=order.app_id)
    subscription = PushSubscription.objects.select_for_update().get(
        app=app, state=PushSubscription.State.ACTIVE
    )
    if order.kind == Order.Kind.RENEWAL and order.period_start > now:
        # A five-day refund of a renewal that has not started: the period simply ends sooner.
        subscription.expires_at = order.period_start
        subscription.save(update_fields=["expires_at"])
        return
    note = f"Refund of order {order.number}"
    app_lifecycle.end_subscription(subscription, at=now, by=by, note=note)
    latest = app.dau.order_by("-day").first()
    app_lifecycle.change_billing_mode(app, PushApp.BillingMode.TRIAL, at=now, by=by, note=note)
    app.throttled = False
    app.save(update_fields=["billing_mode", "throttled"])
    if latest is None or latest.dau <= policy.PUSH_TRIAL_DAU_LIMIT:
        app_lifecycle.resume(app, at=now, by=by, note=note)
    else:
        # Stopped for another reason (expiry) it is now stopped as a refunded trial.
        app_lifecycle.resume(app, at=now, by=by, note=note)
        app_lifecycle.stop(app, reason=PushApp.StopReason.REFUNDED, at=now, by=by, note=note)
