"""Mobile Push pages (SPEC.md §3): apps, prepaid purchase, upgrade and postpaid.

Views parse input and call one service; the rules live in billing.services.push. Where a rule
blocks an action the page says so in words (blockers.py) instead of hiding it. Renewal
checkout lives with auto-renewal in console/views/renewals.py.
"""

from .apps import app_detail, hide_app, push_list, rename_app
from .create import create_app
from .postpaid import enable_postpaid
from .prepaid import buy_prepaid, buy_prepaid_checkout, buy_prepaid_preview
from .upgrade import upgrade, upgrade_checkout, upgrade_preview

__all__ = [
    "app_detail",
    "buy_prepaid",
    "buy_prepaid_checkout",
    "buy_prepaid_preview",
    "create_app",
    "enable_postpaid",
    "hide_app",
    "push_list",
    "rename_app",
    "upgrade",
    "upgrade_checkout",
    "upgrade_preview",
]
