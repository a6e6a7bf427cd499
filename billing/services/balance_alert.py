"""The balance alert (SPEC.md §1): sent once when the available balance falls below the
customer's threshold, and again only after the balance has risen back above it.

Called by billing.services.balance_events.balance_changed. It runs inside post_entry's
transaction with the account row locked, so the flag cannot race, and the
notice's deliveries go out only if the balance change commits.
"""

from django.utils import timezone

from billing.days import billing_day
from billing.models import Account

from .notices import notify


def balance_alert_on_change(*, account: Account, before_available) -> None:
    threshold = account.balance_alert_threshold
    if threshold is None:
        return
    available = account.available_balance
    if available < threshold and not account.balance_alert_sent:
        # notify() also keeps SPEC.md §3's "at most once per (subject, kind, day)": a second
        # crossing on the same day is not told twice.
        notify(
            kind="balance_alert",
            account=account,
            subject=account,
            day=billing_day(timezone.now()),
            context={
                "available_balance": available,
                "threshold": threshold,
                "cash_balance": account.cash_balance,
                "gift_balance": account.gift_balance,
            },
        )
        account.balance_alert_sent = True
        account.save(update_fields=["balance_alert_sent"])
    elif available > threshold and account.balance_alert_sent:
        account.balance_alert_sent = False
        account.save(update_fields=["balance_alert_sent"])
