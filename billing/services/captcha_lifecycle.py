"""CAPTCHA packs over time (SPEC.md §2 notices): expiry reminders and the stop that expiry causes.

Verifications refused because packs ran out are told by metering when they happen; this covers
what time alone does. Both are idempotent through notify()'s (subject, kind, day) key: a
reminder is keyed by the pack and the day it is sent, a stop by the account and the day the
pack expired, so a late or repeated run sends nothing twice.
"""

import datetime as dt

from django.db.models import F

from billing import policy
from billing.days import billing_day, day_start
from billing.models import Account, CaptchaPack

from . import entitlement
from .notices import notify


def run_captcha_pack_rules(*, now: dt.datetime) -> dict[str, int]:
    return {
        "captcha_reminders": send_expiry_reminders(now=now),
        "captcha_stopped": tell_stops_by_expiry(now=now),
    }


def send_expiry_reminders(*, now: dt.datetime) -> int:
    """3 and 1 days (Asia/Shanghai calendar days) before a pack that still has counts expires."""
    today = billing_day(now)
    furthest = max(policy.CAPTCHA_EXPIRY_REMINDER_DAYS_BEFORE)
    horizon = day_start(today + dt.timedelta(days=furthest + 1))
    sent = 0
    packs = (
        CaptchaPack.objects.live(at=now).filter(expires_at__lt=horizon).select_related("account")
    )
    for pack in packs.iterator():
        days_left = (billing_day(pack.expires_at) - today).days
        if days_left in policy.CAPTCHA_EXPIRY_REMINDER_DAYS_BEFORE:
            notify(
                kind="captcha_pack_expiry_reminder",
                account=pack.account,
                subject=pack,
                day=today,
                context={"days_left": days_left},
            )
            sent += 1
    return sent


def tell_stops_by_expiry(*, now: dt.datetime, lookback=dt.timedelta(days=8)) -> int:
    """A pack that expired with counts left and left the account with nothing to verify with.

    A pack already used up when it expired did not cause the stop (metering told that one).
    The lookback only bounds the scan; a run missed for longer than that tells nothing late.
    """
    expired = CaptchaPack.objects.filter(
        refunded_at__isnull=True,
        used__lt=F("size"),
        expires_at__lte=now,
        expires_at__gt=now - lookback,
    )
    told = 0
    for account_id in expired.values_list("account_id", flat=True).distinct():
        account = Account.objects.get(pk=account_id)
        if entitlement.captcha_service_active(account, now=now):
            continue
        last = expired.filter(account=account).order_by("-expires_at").first()
        formal = account.packs.exclude(kind="trial").exists()
        notify(
            kind="captcha_service_stopped",
            account=account,
            subject=account,
            day=billing_day(last.expires_at),
            context={
                "stopped_at": last.expires_at,
                "reason": "packs_expired" if formal else "trial_ended",
            },
        )
        told += 1
    return told
