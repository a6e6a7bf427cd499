"""Refund tickets: the customer asks, support decides, the system computes and executes.

Rules are SPEC.md's: §2 CAPTCHA refund (a pack bought within 5 days and unused comes back in
full, vouchers excluded) and §3 push refunds (the once-per-account five-day no-reason refund,
and the normal refund: paid + not-yet-started − consumed, floored at ¥0). What a ticket pays is
computed by billing/services/refund_eligibility.py when it is filed.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy, pricing, roles
from billing.days import billing_day
from billing.errors import BillingError, NotPermitted
from billing.models import (
    OPEN_REFUND_STATES,
    Order,
    PackSku,
    PushApp,
    PushSubscription,
    RefundTicket,
    RefundTicketEvent,
)
from billing.money import yuan
from billing.selectors import Acting
from billing.text import REASON_LENGTH, clean_text

from . import app_lifecycle
from .ledger import lock_account, post_entry
from .notices import notify
from .numbers import next_order_number
from .refund_eligibility import (
    Check,
    Eligibility,
    captcha_eligibility,
    five_day_right_taken,
    refund_eligibility,
)

__all__ = [
    "Check",
    "Eligibility",
    "approval_refusal",
    "approve",
    "five_day_right_taken",
    "refund_eligibility",
    "reject",
    "request_refund",
    "start_review",
    "ticket_quote",
    "withdraw",
]


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
        if RefundTicket.objects.filter(order=order, status__in=OPEN_REFUND_STATES).exists():
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
        still = captcha_eligibility(ticket.order, ticket.created_at)
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
                    % {"amount": yuan(quote.amount)}
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
