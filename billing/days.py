"""Calendar arithmetic: every billing day boundary is an Asia/Shanghai day (SPEC.md)."""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

BILLING_TZ = ZoneInfo("Asia/Shanghai")


def billing_day(instant: dt.datetime) -> dt.date:
    """The Asia/Shanghai calendar day an aware instant falls on."""
    if instant.tzinfo is None:
        raise ValueError("billing_day needs an aware datetime")
    return instant.astimezone(BILLING_TZ).date()


def day_start(day: dt.date) -> dt.datetime:
    """00:00 Asia/Shanghai of a calendar day, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=BILLING_TZ)


def at_local_time(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BILLING_TZ)


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, clamped to its last day (Jan 31 + 1 → Feb 28).

    Always counted from the original date, so Jan 31 + 2 months is Mar 31, not Mar 28. The one
    month arithmetic: subscription expiries and the pricing engine's elapsed months use it.
    """
    month_index = start.year * 12 + start.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_months_to_instant(instant: dt.datetime, months: int) -> dt.datetime:
    local = instant.astimezone(BILLING_TZ)
    day = add_months(local.date(), months)
    return dt.datetime.combine(day, local.timetz())
