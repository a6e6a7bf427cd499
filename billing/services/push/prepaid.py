"""Push prepaid service: purchase, renewal (the customer until day 7, support after), upgrade
and auto-renewal (SPEC.md §3)."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from billing import pricing, roles, stages
from billing.days import add_months_to_instant, billing_day
from billing.errors import BillingError, NotPermitted
from billing.models import Account, Order, PushApp, PushSubscription
from billing.selectors import Acting

from .. import app_lifecycle
from ..checkout import (
    Purchase,
    buyer_refusal,
    pay_order,
    purchase,
    require_buyer,
    require_on_sale,
)
from .apps import push_product, require_app_of


def active_subscription(app: PushApp) -> PushSubscription | None:
    return app.subscriptions.filter(state=PushSubscription.State.ACTIVE).first()


def buy_prepaid(
    *,
    acting: Acting,
    user,
    app: PushApp,
    capacity_wan: int,
    months: int,
    idempotency_key: str,
    voucher_code: str = "",
    expected_total: Decimal | None = None,
    now: dt.datetime | None = None,
    switch_from_postpaid: str = "",
) -> Purchase:
    """Buy a DAU-peak capacity for a duration; the period starts now.

    A postpaid app switches only through support (billing/services/staff.py), which passes its
    reason as switch_from_postpaid: the days before today stay postpaid and are settled as usual,
    today is prepaid.
    """
    quote = pricing.push_prepaid_quote(
        region=app.access_point, capacity_wan=capacity_wan, months=months
    )

    def buy(account: Account, now: dt.datetime) -> Order:
        require_buyer(acting=acting, account=account)
        product = push_product()
        require_on_sale(account=account, product=product)
        locked = require_app_of(account, app)
        if locked.charity:
            raise BillingError(_("Charity apps are free; there is nothing to buy."))
        if active_subscription(locked):
            raise BillingError(
                _("This app already has prepaid service; renew or upgrade it instead.")
            )
        note = switch_from_postpaid
        if locked.billing_mode == PushApp.BillingMode.POSTPAID:
            if not switch_from_postpaid:
                raise BillingError(
                    _("Postpaid apps cannot switch to prepaid in the console; contact support.")
                )
            if locked.state != PushApp.State.ACTIVE:
                raise BillingError(
                    _("A stopped postpaid app cannot be switched; its arrears come first.")
                )
            locked.postpaid_until = billing_day(now) - dt.timedelta(days=1)
        elif switch_from_postpaid:
            raise BillingError(_("Only a postpaid app can be switched to prepaid."))
        period_end = add_months_to_instant(now, months)
        order = pay_order(
            account=account,
            product=product,
            kind=Order.Kind.NEW,
            total=quote.total,
            breakdown=quote.stored_lines(),
            voucher_code=voucher_code,
            idempotency_key=idempotency_key,
            expected_total=expected_total,
            user=user,
            now=now,
            memo=(
                f"Push prepaid {locked.name} {capacity_wan}万 × {months} "
                f"{pricing.months_word(months)}"
            ),
            app=locked,
            capacity_wan=capacity_wan,
            months=months,
            period_start=now,
            period_end=period_end,
        )
        PushSubscription.objects.create(
            app=locked,
            capacity_wan=capacity_wan,
            months=months,
            period_start=now,
            expires_at=period_end,
            original_order=order,
        )
        note = f"{note} (order {order.number})" if note else f"Prepaid order {order.number}"
        app_lifecycle.change_billing_mode(
            locked, PushApp.BillingMode.PREPAID, at=now, by=user, note=note
        )
        locked.save(update_fields=["billing_mode", "postpaid_until"])
        app_lifecycle.resume(locked, at=now, by=user, note=note)
        return order

    return purchase(acting=acting, idempotency_key=idempotency_key, now=now, buy=buy)


def days_after_expiry(subscription: PushSubscription, *, now: dt.datetime) -> int:
    """Day 0 is the expiry day (SPEC.md conventions); negative before expiry."""
    return (billing_day(now) - billing_day(subscription.expires_at)).days


def renew(
    *,
    acting: Acting,
    user,
    subscription: PushSubscription,
    months: int,
    idempotency_key: str,
    voucher_code: str = "",
    expected_total: Decimal | None = None,
    now: dt.datetime | None = None,
    by_staff: bool = False,
    allow_advance: bool = False,
    expected_expiry: dt.datetime | None = None,
) -> Purchase:
    """Renew at the current capacity; the new period starts at the old expiry (no gap).

    Customers may renew while active and on days 1-7 after expiry; from the stop on day 8 only
    support staff can (by_staff). Auto-renewal passes the expiry it saw (expected_expiry): if a
    renewal committed meanwhile moved it, nothing is bought twice.
    """
    app = subscription.app

    def buy(account: Account, now: dt.datetime) -> Order:
        if not by_staff:
            require_buyer(acting=acting, account=account)
        locked_app = require_app_of(account, app)
        sub = PushSubscription.objects.select_for_update().get(pk=subscription.pk)
        # Priced from the locked row: an upgrade that just committed raised the capacity.
        quote = pricing.push_prepaid_quote(
            region=locked_app.access_point, capacity_wan=sub.capacity_wan, months=months
        )
        if sub.state != PushSubscription.State.ACTIVE:
            raise BillingError(_("This subscription has ended; buy prepaid service again."))
        if expected_expiry is not None and sub.expires_at != expected_expiry:
            raise BillingError(_("This subscription was renewed meanwhile."))
        if not by_staff and now >= stages.prepaid_stops_at(sub.expires_at):
            raise BillingError(
                _("The service was stopped on day 8 after expiry; contact support to renew.")
            )
        period_start = sub.expires_at
        period_end = add_months_to_instant(period_start, months)
        order = pay_order(
            account=account,
            product=push_product(),
            kind=Order.Kind.RENEWAL,
            total=quote.total,
            breakdown=quote.stored_lines(),
            voucher_code=voucher_code,
            idempotency_key=idempotency_key,
            expected_total=expected_total,
            user=user,
            now=now,
            memo=(
                f"Push renewal {locked_app.name} {sub.capacity_wan}万 × {months} "
                f"{pricing.months_word(months)}"
            ),
            allow_advance=allow_advance,
            app=locked_app,
            capacity_wan=sub.capacity_wan,
            months=months,
            period_start=period_start,
            period_end=period_end,
        )
        sub.expires_at = period_end
        sub.months = months
        sub.save(update_fields=["expires_at", "months"])
        app_lifecycle.resume(locked_app, at=now, by=user, note=f"Renewal order {order.number}")
        return order

    return purchase(acting=acting, idempotency_key=idempotency_key, now=now, buy=buy)


def upgrade_days_left(subscription: PushSubscription, *, now: dt.datetime) -> int:
    """Calendar days from today to the expiry date (SPEC.md §3 Upgrade Decision)."""
    return -days_after_expiry(subscription, now=now)


def upgrade_band_months(subscription: PushSubscription) -> int:
    """SPEC.md §3 Upgrade Decision: an upgrade is priced in the duration band of the
    subscription's original order, even after renewals for another duration."""
    return subscription.original_order.months


def upgrade_state_refusal(
    *, app: PushApp, subscription: PushSubscription | None, now: dt.datetime
) -> str | None:
    """Why this app cannot be upgraded now, or None (the roles are checked apart)."""
    if subscription is None or subscription.state != PushSubscription.State.ACTIVE:
        return _("Only prepaid apps can be upgraded; trial and postpaid apps have no capacity.")
    if app.state != PushApp.State.ACTIVE:
        return _("Only an active prepaid app can be upgraded.")
    if upgrade_days_left(subscription, now=now) <= 0:
        return _("This subscription has expired; renew it before upgrading.")
    return None


def upgrade_refusal(
    *, acting: Acting, app: PushApp, subscription: PushSubscription | None, now: dt.datetime
) -> str | None:
    """What the page shows beside a disabled Upgrade; upgrade() refuses with the same words."""
    return upgrade_state_refusal(app=app, subscription=subscription, now=now) or buyer_refusal(
        acting=acting, account=app.account
    )


def upgrade_quote(
    *, app: PushApp, subscription: PushSubscription, to_capacity_wan: int, now: dt.datetime
) -> pricing.Quote:
    """The one price of an upgrade: the page shows it and upgrade() charges it."""
    if to_capacity_wan <= subscription.capacity_wan:
        message = _("Choose a capacity above the current {capacity_wan}万; there is no downgrade.")
        raise BillingError(message.format(capacity_wan=subscription.capacity_wan))
    return pricing.push_upgrade_quote(  # a PricingError is a BillingError with the reason
        region=app.access_point,
        from_capacity_wan=subscription.capacity_wan,
        to_capacity_wan=to_capacity_wan,
        months=upgrade_band_months(subscription),
        remaining_days=upgrade_days_left(subscription, now=now),
    )


def upgrade(
    *,
    acting: Acting,
    user,
    subscription: PushSubscription,
    to_capacity_wan: int,
    idempotency_key: str,
    voucher_code: str = "",
    expected_total: Decimal | None = None,
    now: dt.datetime | None = None,
) -> Purchase:
    """Raise the capacity; expiry unchanged; fee prorated over the remaining days."""

    def buy(account: Account, now: dt.datetime) -> Order:
        require_buyer(acting=acting, account=account)
        locked_app = require_app_of(account, subscription.app)
        sub = PushSubscription.objects.select_for_update().get(pk=subscription.pk)
        refusal = upgrade_state_refusal(app=locked_app, subscription=sub, now=now)
        if refusal:
            raise BillingError(refusal)
        quote = upgrade_quote(
            app=locked_app, subscription=sub, to_capacity_wan=to_capacity_wan, now=now
        )
        order = pay_order(
            account=account,
            product=push_product(),
            kind=Order.Kind.UPGRADE,
            total=quote.total,
            breakdown=quote.stored_lines(),
            voucher_code=voucher_code,
            idempotency_key=idempotency_key,
            expected_total=expected_total,
            user=user,
            now=now,
            memo=f"Push upgrade {locked_app.name} {sub.capacity_wan}万 → {to_capacity_wan}万",
            app=locked_app,
            capacity_wan=to_capacity_wan,
            months=sub.months,
            period_start=now,
            period_end=sub.expires_at,
        )
        sub.capacity_wan = to_capacity_wan
        sub.save(update_fields=["capacity_wan"])
        return order

    return purchase(acting=acting, idempotency_key=idempotency_key, now=now, buy=buy)


def set_auto_renew(*, acting: Acting, subscription_ids: list[int], enabled: bool) -> int:
    """Toggle auto-renewal for one or many subscriptions of the acting account."""
    if not roles.can_spend(acting.role):
        raise NotPermitted(
            _("The {role} role cannot change renewals.").format(role=acting.role_label)
        )
    if not subscription_ids:
        raise BillingError(_("Select at least one subscription."))
    with transaction.atomic():
        subs = PushSubscription.objects.select_for_update().filter(
            pk__in=subscription_ids,
            app__account=acting.account,
            state=PushSubscription.State.ACTIVE,
        )
        if subs.count() != len(set(subscription_ids)):
            raise BillingError(_("Some selected subscriptions do not exist or have ended."))
        return subs.update(auto_renew=enabled)
