"""Paying for an order from the balance: one code path for every purchase (SPEC.md §1)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import roles
from billing.days import billing_day
from billing.errors import BillingError, NotPermitted, QuoteChanged
from billing.models import Account, LedgerEntry, Order, PostpaidBillLine, Product, Voucher
from billing.selectors import Acting

from .ledger import lock_account, post_entry, split_payment
from .notices import notify
from .numbers import next_order_number


@dataclass(frozen=True)
class Purchase:
    order: Order
    # False when the idempotency key had been used: the earlier order is returned, nothing charged.
    created: bool


def role_refusal(*, acting: Acting) -> str | None:
    """Why this role may not spend for the account, or None (SPEC.md §1 sub-account roles)."""
    if not roles.can_spend(acting.role):
        return _("Your role ({role}) cannot spend money for this account.").format(
            role=roles.label(acting.role)
        )
    return None


def buyer_refusal(*, acting: Acting, account: Account) -> str | None:
    """The rules every purchase shares, as the reason shown beside a disabled Pay button."""
    refusal = role_refusal(acting=acting)
    if refusal:
        return refusal
    if account.verification_state != Account.Verification.VERIFIED:
        return _("Real-name verification is required before any purchase.")
    return None


def require_buyer(*, acting: Acting, account: Account) -> None:
    """The service's copy of the check the page showed: the same function, under the lock."""
    if role_refusal(acting=acting):
        raise NotPermitted(role_refusal(acting=acting))
    refusal = buyer_refusal(acting=acting, account=account)
    if refusal:
        raise BillingError(refusal)


def is_new_customer(*, account: Account, product: Product) -> bool:
    """Never paid for the product: no order, and no postpaid charge for it either."""
    return not (
        Order.objects.filter(account=account, product=product).exists()
        or PostpaidBillLine.objects.filter(account=account, product=product).exists()
    )


def on_sale_refusal(*, account: Account, product: Product) -> str | None:
    """SPEC.md §1 closed products: a product closed to new customers refuses every new entry."""
    if product.sale_status == Product.SaleStatus.CLOSED_TO_NEW and is_new_customer(
        account=account, product=product
    ):
        return _("{product_name} is closed to new customers.").format(product_name=product.name)
    return None


def require_on_sale(*, account: Account, product: Product) -> None:
    refusal = on_sale_refusal(account=account, product=product)
    if refusal:
        raise BillingError(refusal)


def require_quote_unchanged(*, expected_total: Decimal | None, total: Decimal) -> None:
    """The checkout posts the total it showed; a different re-quote charges nothing."""
    if expected_total is not None and expected_total != total:
        raise QuoteChanged(shown_total=expected_total, new_total=total)


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
    expected_total: Decimal | None = None,
    **order_fields,
) -> Order:
    """Create the order and take the money, inside the caller's transaction and account lock.

    allow_advance: the big-customer rule — a shortfall is advanced by the platform and the
    cash balance goes negative (the debt is shown).
    expected_total: the total the customer was shown; if the re-quote differs, QuoteChanged.
    """
    require_quote_unchanged(expected_total=expected_total, total=total)
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
            created_by=user,
        )
    # Sent when the purchase commits, with the receipt link (SPEC §6 account and orders).
    notify(kind="order_paid", account=account, subject=order, day=billing_day(now))
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
