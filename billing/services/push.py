"""Mobile push apps: creation, prepaid purchase, renewal, upgrade, postpaid (SPEC.md §3)."""

import datetime as dt
import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy, pricing, roles, stages
from billing.days import add_months_to_instant, billing_day
from billing.errors import BillingError, NotPermitted
from billing.models import Account, Order, Product, PushApp, PushSubscription
from billing.selectors import Acting
from billing.text import NAME_LENGTH, clean_text

from . import app_lifecycle, audit
from .checkout import (
    Purchase,
    buyer_refusal,
    on_sale_refusal,
    pay_order,
    purchase,
    require_buyer,
    require_on_sale,
)
from .ledger import lock_account


def create_app(*, acting: Acting, platform: str, name: str, access_point: str) -> PushApp:
    """A new app starts on the free trial; 50 apps per platform per account."""
    if not roles.can_manage_resources(acting.role):
        raise NotPermitted(_("The {role} role cannot create apps.").format(role=acting.role_label))
    name = (name or "").strip()
    if not name:
        raise BillingError(_("Give the app a name."))
    name = clean_text(name, label=_("The app name"), max_length=NAME_LENGTH)
    if platform not in PushApp.Platform.values:
        raise BillingError(_("Choose Android, iOS or macOS."))
    if access_point not in pricing.REGIONS:
        raise BillingError(_("Choose a service access point."))
    with transaction.atomic():
        account = lock_account(acting.account.pk)  # serialises the per-platform count
        # A destroyed app no longer takes one of the 50 places (issue 12).
        on_platform = (
            account.push_apps.filter(platform=platform)
            .exclude(state=PushApp.State.DESTROYED)
            .count()
        )
        if on_platform >= policy.PUSH_APPS_PER_PLATFORM:
            raise BillingError(
                _(
                    "The limit of {push_apps_per_platform} {platform_label} apps per account "
                    "is reached."
                ).format(
                    push_apps_per_platform=policy.PUSH_APPS_PER_PLATFORM,
                    platform_label=PushApp.Platform(platform).label,
                )
            )
        for _attempt in range(10):
            try:
                with transaction.atomic():
                    return PushApp.objects.create(
                        account=account,
                        platform=platform,
                        name=name,
                        access_point=access_point,
                        access_id=_new_access_id(),
                    )
            except IntegrityError:
                continue
    raise BillingError(_("Could not allocate an Access ID; try again."))


def _new_access_id() -> str:
    return str(1_500_000_000 + secrets.randbelow(8_500_000_000))


def _push_product() -> Product:
    return Product.objects.get(code=Product.Code.PUSH)


def _require_app_of(account: Account, app: PushApp) -> PushApp:
    locked = PushApp.objects.select_for_update().get(pk=app.pk)
    if locked.account_id != account.pk:
        raise NotPermitted(_("That app belongs to another account."))
    if locked.state == PushApp.State.DESTROYED:
        raise BillingError(_("This app's data was destroyed; create a new app."))
    return locked


def rename_app(*, acting: Acting, app: PushApp, name: str) -> bool:
    """A new display name (the Access ID never changes); False if it is the same."""
    if not roles.can_manage_resources(acting.role):
        raise NotPermitted(_("The {role} role cannot rename apps.").format(role=acting.role_label))
    name = clean_text(name, label=_("The app name"), max_length=NAME_LENGTH)
    with transaction.atomic():
        locked = PushApp.objects.select_for_update().get(pk=app.pk, account=acting.account)
        if locked.state == PushApp.State.DESTROYED:
            raise BillingError(_("This app's data was destroyed; it cannot be renamed."))
        if locked.name == name:
            return False
        old, locked.name = locked.name, name
        locked.save(update_fields=["name"])
        audit.record(
            action=audit.Action.APP_RENAMED,
            subject=locked,
            account=locked.account,
            by=acting.user,
            old=old,
            new=name,
        )
    return True


def hide_destroyed_app(*, acting: Acting, app: PushApp, now: dt.datetime | None = None) -> bool:
    """Remove a destroyed app from the customer's list; False if it is hidden already."""
    if not roles.can_manage_resources(acting.role):
        raise NotPermitted(_("The {role} role cannot remove apps.").format(role=acting.role_label))
    now = now or timezone.now()
    with transaction.atomic():
        locked = PushApp.objects.select_for_update().get(pk=app.pk, account=acting.account)
        if locked.state != PushApp.State.DESTROYED:
            raise BillingError(_("Only an app whose data was destroyed can be removed."))
        if locked.hidden_at is not None:
            return False
        locked.hidden_at = now
        locked.save(update_fields=["hidden_at"])
        audit.record(
            action=audit.Action.APP_REMOVED,
            subject=locked,
            account=locked.account,
            by=acting.user,
            reason="Removed from the list by the customer",
            at=now,
        )
    return True


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
        product = _push_product()
        require_on_sale(account=account, product=product)
        locked = _require_app_of(account, app)
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
        locked_app = _require_app_of(account, app)
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
            product=_push_product(),
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
        locked_app = _require_app_of(account, subscription.app)
        sub = PushSubscription.objects.select_for_update().get(pk=subscription.pk)
        refusal = upgrade_state_refusal(app=locked_app, subscription=sub, now=now)
        if refusal:
            raise BillingError(refusal)
        quote = upgrade_quote(
            app=locked_app, subscription=sub, to_capacity_wan=to_capacity_wan, now=now
        )
        order = pay_order(
            account=account,
            product=_push_product(),
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


def postpaid_account_refusal(*, account: Account) -> str | None:
    """Why this account cannot enable push postpaid at all, or None (page and service)."""
    if account.verification_state != Account.Verification.VERIFIED:
        return _("Real-name verification is required before enabling postpaid.")
    return on_sale_refusal(account=account, product=_push_product())


def postpaid_app_refusal(*, app: PushApp, subscription: PushSubscription | None) -> str | None:
    """Why this one app cannot switch to postpaid, or None (the page's "Can enable?" column)."""
    if app.state == PushApp.State.DESTROYED:
        return _("Its data was destroyed.")
    if app.billing_mode == PushApp.BillingMode.POSTPAID:
        return _("Already postpaid.")
    if subscription:
        return _("Has prepaid service; postpaid is for trial apps.")
    return None


def enable_postpaid(
    *, acting: Acting, app_ids: list[int], now: dt.datetime | None = None
) -> list[PushApp]:
    """Switch up to 50 trial apps to postpaid in one go (SPEC.md §3)."""
    now = now or timezone.now()
    if not roles.can_spend(acting.role):
        raise NotPermitted(
            _("The {role} role cannot enable postpaid.").format(role=acting.role_label)
        )
    ids = set(app_ids)
    if not ids:
        raise BillingError(_("Select at least one app."))
    if len(ids) > policy.PUSH_POSTPAID_BATCH_LIMIT:
        raise BillingError(
            _(
                "Postpaid can be enabled for at most {push_postpaid_batch_limit} apps at once."
            ).format(push_postpaid_batch_limit=policy.PUSH_POSTPAID_BATCH_LIMIT)
        )
    with transaction.atomic():
        account = lock_account(acting.account.pk)
        refusal = postpaid_account_refusal(account=account)
        if refusal:
            raise BillingError(refusal)
        apps = list(PushApp.objects.select_for_update().filter(pk__in=ids, account=account))
        if len(apps) != len(ids):
            raise BillingError(_("Some selected apps do not exist."))
        for app in apps:
            refusal = postpaid_app_refusal(app=app, subscription=active_subscription(app))
            if refusal:
                raise BillingError(f"{app.name}: {refusal}")
        note = "Postpaid enabled in the console"
        for app in apps:
            app_lifecycle.change_billing_mode(
                app, PushApp.BillingMode.POSTPAID, at=now, by=acting.user, note=note
            )
            app.postpaid_first_enabled_at = app.postpaid_first_enabled_at or now
            app.postpaid_since, app.postpaid_until = now, None
            app.save(
                update_fields=[
                    "billing_mode",
                    "postpaid_first_enabled_at",
                    "postpaid_since",
                    "postpaid_until",
                ]
            )
            if app.stop_reason in (
                PushApp.StopReason.TRIAL_OVER_LIMIT,
                PushApp.StopReason.REFUNDED,
            ):
                app_lifecycle.resume(app, at=now, by=acting.user, note=note)
    return apps
