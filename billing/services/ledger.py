"""Every movement of money goes through post_entry; balances are the ledger's sums (SPEC.md §1)."""

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from billing import pricing
from billing.errors import BillingError, InsufficientBalance
from billing.models import ZERO, Account, LedgerEntry, Voucher

from . import balance_events


def lock_account(account_id: int) -> Account:
    """Row-lock the account: every balance change for one account is serialised through this."""
    return Account.objects.select_for_update().get(pk=account_id)


def post_entry(
    *,
    account: Account,
    kind: str,
    cash: Decimal = ZERO,
    gift: Decimal = ZERO,
    order=None,
    bill_line=None,
    memo: str = "",
    reason: str = "",
    created_by=None,
    idempotency_key: str | None = None,
    corrects: LedgerEntry | None = None,
    bank_reference: str = "",
) -> LedgerEntry:
    """Append one entry and move the cached balances with it. The caller holds lock_account()."""
    if not connection.in_atomic_block:
        raise RuntimeError("post_entry must run inside the transaction that locked the account")
    before_available = account.available_balance
    account.cash_balance += cash
    account.gift_balance += gift
    entry = LedgerEntry.objects.create(
        account=account,
        kind=kind,
        cash_amount=cash,
        gift_amount=gift,
        cash_balance_after=account.cash_balance,
        gift_balance_after=account.gift_balance,
        order=order,
        bill_line=bill_line,
        memo=memo,
        reason=reason,
        created_by=created_by,
        idempotency_key=idempotency_key,
        corrects=corrects,
        bank_reference=bank_reference,
    )
    account.save(update_fields=["cash_balance", "gift_balance"])
    balance_events.balance_changed(account=account, before_available=before_available)
    return entry


def post_entries(*, account: Account, entries: list[dict], at) -> None:
    """post_entry for many movements of one locked account in one statement (settlement).

    Each dict has kind, cash, gift and optionally bill_line_id and memo; balances run in order.
    One INSERT ... SELECT FROM unnest(...) instead of an ORM bulk_create: at 100,000 apps a day
    the ORM's per-row statement building was most of the settlement's time.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("post_entries must run inside the transaction that locked the account")
    before_available = account.available_balance
    columns = {
        "kind": [],
        "cash": [],
        "gift": [],
        "cash_after": [],
        "gift_after": [],
        "bill_line": [],
        "memo": [],
    }
    for entry in entries:
        account.cash_balance += entry.get("cash", ZERO)
        account.gift_balance += entry.get("gift", ZERO)
        columns["kind"].append(entry["kind"])
        columns["cash"].append(entry.get("cash", ZERO))
        columns["gift"].append(entry.get("gift", ZERO))
        columns["cash_after"].append(account.cash_balance)
        columns["gift_after"].append(account.gift_balance)
        columns["bill_line"].append(entry.get("bill_line_id"))
        columns["memo"].append(entry.get("memo", ""))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO billing_ledgerentry
                (account_id, kind, cash_amount, gift_amount, cash_balance_after,
                 gift_balance_after, bill_line_id, memo, reason, bank_reference, created_at)
            SELECT %s, k, c, g, ca, ga, b, m, '', '', %s
            FROM unnest(%s::text[], %s::numeric[], %s::numeric[], %s::numeric[],
                        %s::numeric[], %s::bigint[], %s::text[]) AS e(k, c, g, ca, ga, b, m)
            """,
            [account.pk, at, *columns.values()],
        )
    account.save(update_fields=["cash_balance", "gift_balance"])
    balance_events.balance_changed(account=account, before_available=before_available)


def split_payment(
    *, account: Account, total: Decimal, voucher: Voucher | None, allow_advance: bool = False
) -> pricing.PaymentSplit:
    """Voucher first, then gift credit, then cash (SPEC.md §1 Decision).

    Raises InsufficientBalance when cash is short, unless allow_advance (the big-customer rule:
    the platform advances the shortfall and the cash balance goes negative).
    """
    split = pricing.payment_split(
        total=total,
        voucher_amount=voucher.amount if voucher else ZERO,
        gift_balance=account.gift_balance,
        cash_balance=account.cash_balance,
    )
    if split.shortfall > 0 and not allow_advance:
        raise InsufficientBalance(shortfall=split.shortfall)
    return split


def ledger_sums(*, account_id: int) -> tuple[Decimal, Decimal]:
    sums = LedgerEntry.objects.filter(account_id=account_id).aggregate(
        cash=Sum("cash_amount"), gift=Sum("gift_amount")
    )
    return sums["cash"] or ZERO, sums["gift"] or ZERO


def recharge(
    *, account: Account, amount: Decimal, provider_reference: str, memo: str = "", created_by=None
) -> LedgerEntry:
    """Credit cash confirmed by the payment provider; a replayed confirmation posts once."""
    if amount <= 0:
        raise BillingError(_("A recharge must be a positive amount."))
    key = f"recharge:{provider_reference}"
    with transaction.atomic():
        locked = lock_account(account.pk)
        existing = LedgerEntry.objects.filter(idempotency_key=key).first()
        if existing:
            return existing
        return post_entry(
            account=locked,
            kind=LedgerEntry.Kind.RECHARGE,
            cash=amount,
            memo=memo or "Recharge",
            idempotency_key=key,
            created_by=created_by,
        )


def adjust_balance(
    *,
    account: Account,
    cash: Decimal,
    gift: Decimal,
    reason: str,
    by,
    idempotency_key: str,
    bank_reference: str = "",
) -> LedgerEntry:
    """Staff credit or debit with a required reason (e.g. a bank transfer received)."""
    reason = reason.strip()
    if not reason:
        raise BillingError(_("A reason is required for a balance adjustment."))
    if cash == 0 and gift == 0:
        raise BillingError(_("Enter a cash or gift amount to adjust."))
    with transaction.atomic():
        locked = lock_account(account.pk)
        existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
        if cash < 0 and locked.cash_balance + cash < 0:
            # A debit takes back at most what the account holds; debt comes only from postpaid
            # charges and big-customer advances, which have their own rules.
            raise BillingError(
                _("Cash cannot go below zero (it is ¥{cash_balance:,.2f}).").format(
                    cash_balance=locked.cash_balance
                )
            )
        if locked.gift_balance + gift < 0:
            raise BillingError(
                _("Gift credit cannot go below zero (it is ¥{gift_balance:,.2f}).").format(
                    gift_balance=locked.gift_balance
                )
            )
        return post_entry(
            account=locked,
            kind=LedgerEntry.Kind.ADJUSTMENT,
            cash=cash,
            gift=gift,
            reason=reason,
            created_by=by,
            memo="Adjustment by support",
            idempotency_key=idempotency_key,
            bank_reference=bank_reference,
        )
