"""Reactions to a balance change, run inside the posting transaction.

Other parts hook in here (balance alert, arrears clearing) so post_entry stays the single
place money moves.
"""

from decimal import Decimal

_listeners = []


def on_balance_changed(listener):
    _listeners.append(listener)
    return listener


def balance_changed(*, account, before_available: Decimal) -> None:
    for listener in _listeners:
        listener(account=account, before_available=before_available)
