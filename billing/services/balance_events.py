"""What a balance change sets off, run inside the posting transaction (post_entry holds the
account lock): arrears end when the debt is cleared, and the balance alert is armed or sent.

Explicit calls, in this order, instead of a listener registry: reading this function is reading
everything a ledger entry does besides moving the balance.
"""

from decimal import Decimal

from . import arrears, balance_alert


def balance_changed(*, account, before_available: Decimal) -> None:
    arrears.resume_when_debt_is_cleared(account=account, before_available=before_available)
    balance_alert.balance_alert_on_change(account=account, before_available=before_available)
