"""What support staff may do to a customer's service (SPEC.md §1, §3), each with a reason.

Every action checks the staff member's permission here (the admin hides what they may not do,
but the service is the refusal), needs a reason the audit trail keeps, and is idempotent: a
double submit finds the state already changed, or the same idempotency key, and does nothing.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import roles
from billing.errors import BillingError, NotPermitted
from billing.models import Account, Product, PushApp, PushSubscription, Voucher
from billing.money import yuan
from billing.selectors import Acting

from . import app_lifecycle, audit, captcha, push
from .checkout import Purchase
from .ledger import lock_account

MANAGE_SERVICE = "billing.manage_service"
CHANGE_PRIVILEGES = "billing.change_privileges"
CHANGE_SALE_STATUS = "billing.change_product"
GRANT_VOUCHER = "billing.add_voucher"


def require_permission(user, permission: str) -> None:
    if user is None or not user.is_staff or not user.has_perm(permission):
        raise NotPermitted(_("You do not have permission to do this."))


def _locked_app(app: PushApp) -> PushApp:
    return PushApp.objects.select_for_update().select_related("account").get(pk=app.pk)


def stop_app(*, app: PushApp, by, reason: str, now: dt.datetime | None = None) -> bool:
    """Stop an app by hand (push off, registration on). False if it was not active."""
    require_permission(by, MANAGE_SERVICE)
    reason = audit.require_reason(reason)
    with transaction.atomic(durable=True):
        locked = _locked_app(app)
        if locked.state == PushApp.State.DESTROYED:
            raise BillingError(_("This app's data was destroyed; it cannot be stopped."))
        return app_lifecycle.stop(
            locked, reason=PushApp.StopReason.STAFF, at=now or timezone.now(), by=by, note=reason
        )


def resume_refusal(app: PushApp) -> str | None:
    """Why support cannot resume this stopped app by hand, or None (the admin's button and the
    service ask the same question): resuming must not give away paid service."""
    if app.state == PushApp.State.DESTROYED:
        return _("This app's data was destroyed; it cannot be resumed.")
    if app.stop_reason == PushApp.StopReason.EXPIRED:
        return _("This app stopped because its prepaid period ended: renew it.")
    if app.stop_reason == PushApp.StopReason.ARREARS and app.account.cash_balance < 0:
        return _(
            "This account is in arrears: the debt must be paid (or the account made a big "
            "customer) first."
        )
    return None


def resume_app(*, app: PushApp, by, reason: str, now: dt.datetime | None = None) -> bool:
    """Resume a stopped app by hand; False if it was not stopped."""
    require_permission(by, MANAGE_SERVICE)
    reason = audit.require_reason(reason)
    with transaction.atomic(durable=True):
        locked = _locked_app(app)
        if locked.state == PushApp.State.ACTIVE:
            return False
        refusal = resume_refusal(locked)
        if refusal:
            raise BillingError(refusal)
        return app_lifecycle.resume(locked, at=now or timezone.now(), by=by, note=reason)


def renew_for_customer(
    *,
    subscription: PushSubscription,
    months: int,
    by,
    reason: str,
    idempotency_key: str,
    expected_total: Decimal | None = None,
    now: dt.datetime | None = None,
) -> Purchase:
    """SPEC.md §3: from the day-8 stop to destruction on day 15 only support can renew. The
    customer's balance pays, at the same price the console would charge."""
    require_permission(by, MANAGE_SERVICE)
    reason = audit.require_reason(reason)
    now = now or timezone.now()
    if subscription.state != PushSubscription.State.ACTIVE:
        raise BillingError(_("This subscription has ended; the customer can buy prepaid again."))
    if subscription.app.state == PushApp.State.DESTROYED:
        raise BillingError(_("This app's data was destroyed; it cannot be renewed."))
    account = subscription.app.account
    with transaction.atomic(durable=True):
        bought = push.renew(
            acting=Acting(account=account, role=roles.OWNER, user=by),
            user=by,
            subscription=subscription,
            months=months,
            idempotency_key=f"staff-renew:{idempotency_key}",
            expected_total=expected_total,
            now=now,
            by_staff=True,
            allow_advance=account.big_customer,
        )
        if bought.created:
            audit.record(
                action=audit.Action.STAFF_RENEWAL,
                subject=subscription,
                account=account,
                by=by,
                old=subscription.expires_at.isoformat(),
                new=bought.order.period_end.isoformat(),
                reason=f"{reason} (order {bought.order.number})",
                at=now,
            )
    return bought


def switch_to_prepaid(
    *,
    app: PushApp,
    capacity_wan: int,
    months: int,
    by,
    reason: str,
    idempotency_key: str,
    expected_total: Decimal | None = None,
    now: dt.datetime | None = None,
) -> Purchase:
    """A postpaid app becomes prepaid from now (the customer asked support; SPEC.md §3).

    The days before today stay postpaid and are billed by the daily settlement as usual (its last
    postpaid day is yesterday); today is covered by the prepaid period, so no day is billed twice.
    """
    require_permission(by, MANAGE_SERVICE)
    reason = audit.require_reason(reason)
    now = now or timezone.now()
    account = app.account
    with transaction.atomic(durable=True):
        bought = push.buy_prepaid(
            acting=Acting(account=account, role=roles.OWNER, user=by),
            user=by,
            app=app,
            capacity_wan=capacity_wan,
            months=months,
            idempotency_key=f"staff-prepaid:{idempotency_key}",
            expected_total=expected_total,
            now=now,
            switch_from_postpaid=reason,
        )
    return bought


def set_captcha_postpaid(*, account: Account, enabled: bool, by, reason: str) -> bool:
    """Enable CAPTCHA postpaid on the customer's request, or turn it off."""
    require_permission(by, CHANGE_PRIVILEGES)
    reason = audit.require_reason(reason)
    value = Account.CaptchaPostpaid.ON if enabled else Account.CaptchaPostpaid.OFF
    with transaction.atomic(durable=True):
        locked = lock_account(account.pk)
        if enabled and locked.verification_state != Account.Verification.VERIFIED:
            raise BillingError(_("Real-name verification is required before enabling postpaid."))
        changed = captcha.set_postpaid(locked, value, note=reason, by=by)
    return changed


def _set_flag(locked, field: str, value: bool, *, action: str, account, by, reason: str) -> bool:
    """Set one yes/no privilege on a locked row and audit old → new; False if it already was."""
    if getattr(locked, field) == value:
        return False
    setattr(locked, field, value)
    locked.save(update_fields=[field])
    audit.record(
        action=action,
        subject=locked,
        account=account,
        by=by,
        old=not value,
        new=value,
        reason=reason,
    )
    return True


def set_big_customer(*, account: Account, big_customer: bool, by, reason: str) -> bool:
    """Big customers are never stopped for arrears; renewals may be advanced (SPEC.md §1)."""
    require_permission(by, CHANGE_PRIVILEGES)
    reason = audit.require_reason(reason)
    with transaction.atomic(durable=True):
        locked = lock_account(account.pk)
        return _set_flag(
            locked,
            "big_customer",
            big_customer,
            action=audit.Action.BIG_CUSTOMER_CHANGED,
            account=locked,
            by=by,
            reason=reason,
        )


def set_charity(*, app: PushApp, charity: bool, by, reason: str) -> bool:
    """A charity app is free forever (SPEC.md §3)."""
    require_permission(by, CHANGE_PRIVILEGES)
    reason = audit.require_reason(reason)
    with transaction.atomic(durable=True):
        locked = _locked_app(app)
        return _set_flag(
            locked,
            "charity",
            charity,
            action=audit.Action.CHARITY_CHANGED,
            account=locked.account,
            by=by,
            reason=reason,
        )


def grant_voucher(*, voucher: Voucher, by, reason: str) -> Voucher:
    """Save a new voucher for an account, audited (the admin's add form builds it).

    Not durable, unlike the other actions: the admin's add view wraps save_model in its own
    transaction, and so does the sale-status change form."""
    require_permission(by, GRANT_VOUCHER)
    reason = audit.require_reason(reason)
    if voucher.pk is not None:
        raise BillingError(_("A voucher cannot be changed once granted."))
    if voucher.amount <= Decimal("0"):
        raise BillingError(_("A voucher's amount must be positive."))
    with transaction.atomic():
        voucher.save()
        audit.record(
            action=audit.Action.VOUCHER_GRANTED,
            subject=voucher,
            account=voucher.account,
            by=by,
            old=None,
            new=f"{yuan(voucher.amount)}",
            reason=reason,
        )
    return voucher


def set_sale_status(*, product: Product, status: str, by, reason: str) -> bool:
    """Close a product to new customers, or open it again (SPEC.md §1). A superuser decision:
    support staff see the status but the Support group does not have this permission."""
    require_permission(by, CHANGE_SALE_STATUS)
    reason = audit.require_reason(reason)
    if status not in Product.SaleStatus.values:
        raise BillingError(_("Choose a sale status."))
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        if locked.sale_status == status:
            return False
        old, locked.sale_status = locked.sale_status, status
        locked.save(update_fields=["sale_status"])
        audit.record(
            action=audit.Action.SALE_STATUS_CHANGED,
            subject=locked,
            account=None,
            by=by,
            old=old,
            new=status,
            reason=reason,
        )
    return True
