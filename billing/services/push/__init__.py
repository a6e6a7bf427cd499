"""Mobile push services (SPEC.md §3): apps, prepaid, postpaid. Import the function from here."""

from .apps import create_app, hide_destroyed_app, rename_app
from .postpaid import enable_postpaid, postpaid_account_refusal, postpaid_app_refusal
from .prepaid import (
    active_subscription,
    buy_prepaid,
    days_after_expiry,
    renew,
    set_auto_renew,
    upgrade,
    upgrade_band_months,
    upgrade_days_left,
    upgrade_quote,
    upgrade_refusal,
    upgrade_state_refusal,
)

__all__ = [
    "active_subscription",
    "buy_prepaid",
    "create_app",
    "days_after_expiry",
    "enable_postpaid",
    "hide_destroyed_app",
    "postpaid_account_refusal",
    "postpaid_app_refusal",
    "rename_app",
    "renew",
    "set_auto_renew",
    "upgrade",
    "upgrade_band_months",
    "upgrade_days_left",
    "upgrade_quote",
    "upgrade_refusal",
    "upgrade_state_refusal",
]
