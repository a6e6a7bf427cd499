"""Daily settlement: push postpaid days, late DAU adjustments and CAPTCHA overage.

Each part settles only what is still unbilled, so any run, re-run or late run is safe.
"""

from .adjustments import settle_push_adjustments
from .captcha import captcha_settlement_through, settle_captcha_overage
from .charging import charge
from .push import (
    charged_days,
    push_settlement_through,
    settle_push_postpaid,
    stopped_all_day,
    unsettled_push_days,
)

__all__ = [
    "captcha_settlement_through",
    "charge",
    "charged_days",
    "push_settlement_through",
    "settle_captcha_overage",
    "settle_push_adjustments",
    "settle_push_postpaid",
    "stopped_all_day",
    "unsettled_push_days",
]
