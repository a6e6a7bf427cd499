"""Every time limit and count limit of SPEC.md in one table-like place.

Lifecycle code reads these names; nothing else in the code base spells the numbers.
"""

import datetime as dt
from decimal import Decimal

# §2 CAPTCHA
CAPTCHA_PACK_VALIDITY = dt.timedelta(days=365)
CAPTCHA_TRIAL_VERIFICATIONS = 20_000
CAPTCHA_TRIAL_VALIDITY = dt.timedelta(days=7)
CAPTCHA_EXPIRY_REMINDER_DAYS_BEFORE = (3, 1)
CAPTCHA_USAGE_ALERT_RATIO = Decimal("0.90")
CAPTCHA_REFUND_WINDOW_DAYS = 5

# §3 Mobile push
PUSH_APPS_PER_PLATFORM = 50
# A sub-account invitation can be accepted for this long (SPEC §1 sub-accounts).
INVITATION_VALID_DAYS = 7
PUSH_TRIAL_DAU_LIMIT = 1_000
PUSH_TRIAL_RECLAIM_AFTER_DAYS = 7  # reclaimed on the 8th day after the trial stopped
PUSH_EXPIRY_REMINDER_DAYS_BEFORE = range(7, 0, -1)  # 7..1 days before expiry
PUSH_EXPIRY_NOTICE_DAYS_AFTER = range(0, 8)  # expiry day (day 0) to day 7
PUSH_CONSOLE_RENEWAL_DAYS_AFTER = 7  # days 1-7 after expiry the customer may still renew
PUSH_STOP_DAY_AFTER_EXPIRY = 8  # day 8, 00:00
PUSH_DESTROY_DAY_AFTER_EXPIRY = 15
PUSH_POSTPAID_BATCH_LIMIT = 50
PUSH_FIVE_DAY_REFUND_DAYS = 5

# Staff money actions (issue 12): above the limit a second staff member approves; above the
# ceiling nobody can (larger sums arrive as recharges or confirmed bank transfers).
STAFF_SINGLE_APPROVAL_LIMIT = Decimal("10000.00")
STAFF_ADJUSTMENT_CEILING = Decimal("1000000.00")

# Postpaid arrears (§3, and §2 by Decision)
ARREARS_GRACE = dt.timedelta(hours=24)
ARREARS_RECLAIM_AFTER_STOP = dt.timedelta(days=7)
PUSH_SETTLEMENT_HOUR = 6
CAPTCHA_SETTLEMENT_HOUR = 8


def template_limits() -> dict:
    """The numbers above as templates and notices quote them: nobody writes "1,000 DAU" or
    "24 hours" into a page or a message; they print these."""
    return {
        "push_trial_dau": PUSH_TRIAL_DAU_LIMIT,
        "push_trial_reclaim_days": PUSH_TRIAL_RECLAIM_AFTER_DAYS,
        "destroy_days_after_stop": PUSH_DESTROY_DAY_AFTER_EXPIRY - PUSH_STOP_DAY_AFTER_EXPIRY,
        "expiry_reminder_days": max(PUSH_EXPIRY_REMINDER_DAYS_BEFORE),
        "arrears_grace_hours": int(ARREARS_GRACE.total_seconds() // 3600),
        "arrears_reclaim_days": ARREARS_RECLAIM_AFTER_STOP.days,
        "captcha_trial_verifications": CAPTCHA_TRIAL_VERIFICATIONS,
        "captcha_trial_days": CAPTCHA_TRIAL_VALIDITY.days,
        "push_apps_per_platform": PUSH_APPS_PER_PLATFORM,
        "staff_single_approval_limit": STAFF_SINGLE_APPROVAL_LIMIT,
        "staff_adjustment_ceiling": STAFF_ADJUSTMENT_CEILING,
    }
