"""Time in: one idempotent run of every job due as of an instant (SPEC.md §3 timings).

run_due_jobs(now=...) may run twice, late, or concurrently: each job is keyed by its Asia/Shanghai
day and guarded by a state check or a unique constraint, and notices dedupe per (subject, kind,
day).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from billing import policy, roles, stages
from billing.days import billing_day
from billing.errors import BillingError
from billing.models import PushApp, PushSubscription
from billing.selectors import Acting

from . import app_lifecycle, push
from .arrears import enforce_arrears
from .captcha_lifecycle import run_captcha_pack_rules
from .notices import notify
from .settlement import settle_captcha_overage, settle_push_adjustments, settle_push_postpaid
from .trial import run_capacity_rules, run_trial_rules


@dataclass
class RunReport:
    push_days_settled: int = 0
    push_adjustments: int = 0
    captcha_days_settled: int = 0
    reminders: int = 0
    renewed: int = 0
    stopped: int = 0
    destroyed: int = 0
    arrears_stopped: int = 0
    arrears_reclaimed: int = 0
    trial_stopped: int = 0
    trial_resumed: int = 0
    trial_reclaimed: int = 0
    over_capacity: int = 0
    captcha_reminders: int = 0
    captcha_stopped: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def settle_due_days(*, now: dt.datetime, report: RunReport) -> None:
    """Only what is still unbilled: safe for any instant (billing/services/runs.py)."""
    report.push_days_settled = settle_push_postpaid(now=now)
    report.push_adjustments = settle_push_adjustments(now=now)
    report.captcha_days_settled = settle_captcha_overage(now=now)


def run_due_jobs(*, now: dt.datetime) -> RunReport:
    report = RunReport()
    settle_due_days(now=now, report=report)
    run_prepaid_lifecycle(now=now, report=report)
    report.arrears_stopped, report.arrears_reclaimed = enforce_arrears(now=now)
    for name, count in run_trial_rules(now=now).items():
        setattr(report, name, count)
    report.over_capacity = run_capacity_rules(now=now)
    for name, count in run_captcha_pack_rules(now=now).items():
        setattr(report, name, count)
    return report


def run_prepaid_lifecycle(*, now: dt.datetime, report: RunReport) -> None:
    """Reminders 7..1 days before expiry; auto-renew on the expiry day; expiry notices days
    0..7; stop on day 8 (00:00); destroy on day 15."""
    today = billing_day(now)
    active = PushSubscription.objects.filter(state=PushSubscription.State.ACTIVE)
    for subscription_id in active.values_list("pk", flat=True):
        subscription = PushSubscription.objects.select_related("app__account").get(
            pk=subscription_id
        )
        app = subscription.app
        expiry_day = billing_day(subscription.expires_at)
        day_number = (today - expiry_day).days
        if -day_number in policy.PUSH_EXPIRY_REMINDER_DAYS_BEFORE:
            notify(
                kind="push_expiry_reminder",
                account=app.account,
                subject=app,
                day=today,
                context={"expires_at": subscription.expires_at, "days_left": -day_number},
            )
            report.reminders += 1
            continue
        stage = stages.prepaid_stage(subscription.expires_at, now)
        if stage == "active":
            continue
        # Tried on every run until the day-8 stop, not only on the expiry day: a late run, or a
        # recharge after a failed attempt, still renews (from the old expiry, without a gap).
        if stage == "grace" and subscription.auto_renew and _auto_renew(subscription, now):
            report.renewed += 1
            continue
        if day_number in policy.PUSH_EXPIRY_NOTICE_DAYS_AFTER:
            notify(
                kind="push_expired",
                account=app.account,
                subject=app,
                day=today,
                context={
                    "expires_at": subscription.expires_at,
                    "stops_at": stages.prepaid_stops_at(subscription.expires_at),
                },
            )
        if stage == "destroyed":
            report.destroyed += _destroy(subscription, now)
        elif stage == "stopped":
            report.stopped += _stop(subscription, now)


def _auto_renew(subscription: PushSubscription, now: dt.datetime) -> bool:
    """Renew for the same duration; a big customer's shortfall is advanced by the platform."""
    account = subscription.app.account
    try:
        push.renew(
            acting=Acting(account=account, role=roles.OWNER),
            user=None,
            subscription=subscription,
            months=subscription.months,
            idempotency_key=f"auto-renew:{subscription.pk}:{subscription.expires_at:%Y%m%d}",
            now=now,
            allow_advance=account.big_customer,
            expected_expiry=subscription.expires_at,
        )
    except BillingError:
        return False  # not enough balance: the expiry notices and the stop follow
    return True


def _stop(subscription: PushSubscription, now: dt.datetime) -> int:
    with transaction.atomic():
        app = (
            PushApp.objects.select_for_update()
            .select_related("account")
            .get(pk=subscription.app_id)
        )
        if not app_lifecycle.stop(app, reason=PushApp.StopReason.EXPIRED, at=now):
            return 0
        notify(
            kind="push_stopped",
            account=app.account,
            subject=app,
            day=billing_day(now),
            context={
                "stopped_at": now,
                "destroys_at": stages.prepaid_destroyed_at(subscription.expires_at),
            },
        )
    return 1


def _destroy(subscription: PushSubscription, now: dt.datetime) -> int:
    with transaction.atomic():
        app = (
            PushApp.objects.select_for_update()
            .select_related("account")
            .get(pk=subscription.app_id)
        )
        locked = PushSubscription.objects.select_for_update().get(pk=subscription.pk)
        note = "Prepaid expired and not renewed"
        if not app_lifecycle.end_subscription(locked, at=now, note=note):
            return 0
        app_lifecycle.destroy(app, at=now, note=note)
        notify(
            kind="push_destroyed",
            account=app.account,
            subject=app,
            day=billing_day(now),
            context={"destroyed_at": now},
        )
    return 1
