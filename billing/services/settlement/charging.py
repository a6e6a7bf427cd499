"""Charging bill lines to the balance: gift credit first, then cash, then debt (arrears)."""

import datetime as dt
from decimal import Decimal

from django.db.models import F

from billing.models import (
    ZERO,
    Account,
    LedgerEntry,
    PostpaidBillLine,
)

from ..arrears import enter_arrears
from ..ledger import post_entries, post_entry


def charge_lines(account: Account, lines: list[tuple], *, now) -> None:
    """Gift credit first, then cash; what cash cannot cover is recorded as debt (arrears)."""
    entries, debts = [], {}
    gift_left, cash_left = max(account.gift_balance, ZERO), max(account.cash_balance, ZERO)
    for line_id, _app_id, day, amount in lines:
        gift, cash, debt = _split_charge(amount, gift_left=gift_left, cash_left=cash_left)
        gift_left, cash_left = gift_left - gift, max(cash_left - cash, ZERO)
        if debt:
            debts[line_id] = debt
        entries.append(
            {
                "kind": LedgerEntry.Kind.POSTPAID_CHARGE,
                "cash": -cash,
                "gift": -gift,
                "bill_line_id": line_id,
                "memo": f"Postpaid {day:%Y-%m-%d}",
            }
        )
    post_entries(account=account, entries=entries, at=now)
    for line_id, debt in debts.items():
        PostpaidBillLine.objects.filter(pk=line_id).update(debt_amount=debt)
    if debts:
        enter_arrears(account=account, now=now)


def _split_charge(amount: Decimal, *, gift_left: Decimal, cash_left: Decimal) -> tuple:
    """(gift, cash, debt) of a postpaid charge: gift credit first, then cash; what the cash left
    cannot cover is debt (the cash part still includes it)."""
    gift = min(gift_left, amount)
    cash = amount - gift
    return gift, cash, max(cash - cash_left, ZERO)


def charge(*, account: Account, amount: Decimal, line: PostpaidBillLine, now: dt.datetime) -> None:
    """Take a postpaid charge: gift credit first, then cash; what cash can't cover is debt."""
    gift, cash, debt = _split_charge(
        amount,
        gift_left=max(account.gift_balance, ZERO),
        cash_left=max(account.cash_balance, ZERO),
    )
    post_entry(
        account=account,
        kind=LedgerEntry.Kind.POSTPAID_CHARGE,
        cash=-cash,
        gift=-gift,
        bill_line=line,
        memo=f"Postpaid {line.day:%Y-%m-%d} {line.app or ''}".strip(),
    )
    if debt > 0:
        PostpaidBillLine.objects.filter(pk=line.pk).update(debt_amount=F("debt_amount") + debt)
        enter_arrears(account=account, now=now)
