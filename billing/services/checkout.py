"""Paying for an order from the balance: one code path for every purchase (SPEC.md §1)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import roles
from billing.errors import BillingError, NotPermitted
from billing.models import Account, LedgerEntry, Order, Product, Voucher
from billing.selectors import Acting

from .ledger import lock_account, post_entry, split_payment
from .numbers import next_order_number


@dataclass(frozen=True)
class Purchase:
    order: Order
    # False when the idempotency key had been used: the earlier order is returned, nothing charged.
    created: bool


def require_buyer(*, acting: Acting, account: Account) -> None:
    """The rules every purchase shares: spending role, verified account (SPEC.md §1)."""
    if not roles.can_spend(acting.role):
        raise NotPermitted(
            _("The {role} role cannot spend money for this account.").format(role=acting.role)
        )
    if account.verification_state != Account.Verification.VERIFIED:
        raise BillingError(_("Real-name verification is required before any purchase."))


def require_on_sale(*, account: Account, product: Product) -> None:
    if product.sale_status == Product.SaleStatus.CLOSED_TO_NEW and not (
        Order.objects.filter(account=account, product=product).exists()
    ):
        raise BillingError(
            _("{product_name} is closed to new customers.").format(product_name=product.name)
        )


def usable_voucher(
    *, account: Account, code: str, product: Product, total: Decimal, at: dt.datetime
) -> Voucher | None:
    code = (code or "").strip()
    if not code:
        return None
    voucher = Voucher.objects.select_for_update().filter(account=account, code=code).first()
    if voucher is None:
        raise BillingError(_("That voucher does not belong to this account."))
    if voucher.used_at is not None:
        raise BillingError(_("That voucher has already been used."))
    if voucher.expires_at <= at:
        raise BillingError(_("That voucher has expired."))
    if voucher.product_id is not None and voucher.product_id != product.pk:
        raise BillingError(
            _("That voucher is only for {product_name}.").format(product_name=voucher.product.name)
        )
    if total < voucher.min_spend:
        raise BillingError(
            _("That voucher needs a minimum spend of ¥{min_spend:,.2f}.").format(
                min_spend=voucher.min_spend
            )
        )
    return voucher


def existing_purchase(*, account: Account, idempotency_key: str) -> Purchase | None:
    order = Order.objects.filter(account=account, idempotency_key=idempotency_key).first()
    return Purchase(order=order, created=False) if order else None


def pay_order(
    *,
    account: Account,
    product: Product,
    kind: str,
    total: Decimal,
    breakdown: list,
    voucher_code: str,
    idempotency_key: str,
    user,
    now: dt.datetime,
    memo: str,
    allow_advance: bool = False,
    **order_fields,
) -> Order:
    """Create the order and take the money, inside the caller's transaction and account lock.

    allow_advance: the big-customer rule — a shortfall is advanced by the platform and the
    cash balance goes negative (the debt is shown).
    """
    voucher = usable_voucher(
        account=account, code=voucher_code, product=product, total=total, at=now
    )
    split = split_payment(
        account=account, total=total, voucher=voucher, allow_advance=allow_advance
    )
    advanced = split.cash > max(account.cash_balance, Decimal("0.00"))
    try:
        with transaction.atomic():
            order = Order.objects.create(
                number=next_order_number(at=now),
                account=account,
                product=product,
                kind=kind,
                total=total,
                voucher=voucher,
                voucher_amount=split.voucher,
                gift_amount=split.gift,
                cash_amount=split.cash,
                breakdown=breakdown,
                idempotency_key=idempotency_key,
                created_by=user,
                created_at=now,
                **order_fields,
            )
    except IntegrityError as error:
        raise BillingError(_("This form was already submitted; refresh the page.")) from error
    if voucher:
        voucher.used_at = now
        voucher.save(update_fields=["used_at"])
    if split.cash or split.gift:
        post_entry(
            account=account,
            kind=LedgerEntry.Kind.ADVANCE if advanced else LedgerEntry.Kind.PAYMENT,
            cash=-split.cash,
            gift=-split.gift,
            order=order,
            memo=memo,
        )
    return order


def purchase(*, acting: Acting, idempotency_key: str, now: dt.datetime | None, buy) -> Purchase:
    """Run `buy(account, now)` under the account lock unless this key already made an order.

    The lock comes first so a double-click's second request waits, then finds the first order.
    """
    if not idempotency_key or len(idempotency_key) > 64:
        raise BillingError(_("This form has expired; reload the page and try again."))
    now = now or timezone.now()
    with transaction.atomic():
        account = lock_account(acting.account.pk)
        earlier = existing_purchase(account=account, idempotency_key=idempotency_key)
        if earlier:
            return earlier
        return Purchase(order=buy(account, now), created=True)
