"""The push trial edition (SPEC.md §3): DAU over 1,000 stops it; back to 1,000 or below within
7 days resumes it (Decision); otherwise the app is reclaimed on the 8th day. And prepaid apps
over their capacity are throttled, with a notice once per app per day."""

import datetime as dt

from django.db import transaction

from billing import policy, stages
from billing.days import billing_day
from billing.models import PushApp, PushDauDaily, PushSubscription

from . import app_lifecycle, entitlement
from .notices import notify

WAN = 10_000


def _latest_dau(app: PushApp, *, today: dt.date) -> PushDauDaily | None:
    return PushDauDaily.objects.filter(app=app, day__lte=today).order_by("-day").first()


def run_trial_rules(*, now: dt.datetime) -> dict:
    today = billing_day(now)
    counts = {"trial_stopped": 0, "trial_resumed": 0, "trial_reclaimed": 0}
    trial = PushApp.objects.filter(billing_mode=PushApp.BillingMode.TRIAL, charity=False)
    for app_id in trial.filter(state=PushApp.State.ACTIVE).values_list("pk", flat=True):
        with transaction.atomic():
            app = PushApp.objects.select_for_update().select_related("account").get(pk=app_id)
            latest = _latest_dau(app, today=today)
            if app.state != PushApp.State.ACTIVE or latest is None:
                continue
            if latest.dau > policy.PUSH_TRIAL_DAU_LIMIT:
                app_lifecycle.stop(
                    app,
                    reason=PushApp.StopReason.TRIAL_OVER_LIMIT,
                    at=now,
                    note=f"DAU {latest.dau:,} on {latest.day} > {policy.PUSH_TRIAL_DAU_LIMIT:,}",
                )
                counts["trial_stopped"] += 1
                notify(
                    kind="push_trial_stopped",
                    account=app.account,
                    subject=app,
                    day=today,
                    context={
                        "stopped_at": now,
                        "dau": latest.dau,
                        "reclaims_at": stages.trial_reclaims_at(now),
                    },
                )
    stopped = trial.filter(
        state=PushApp.State.STOPPED, stop_reason=PushApp.StopReason.TRIAL_OVER_LIMIT
    )
    for app_id in stopped.values_list("pk", flat=True):
        with transaction.atomic():
            app = PushApp.objects.select_for_update().select_related("account").get(pk=app_id)
            if app.stop_reason != PushApp.StopReason.TRIAL_OVER_LIMIT:
                continue
            stop_day = billing_day(app.stopped_at)
            latest = _latest_dau(app, today=today)
            back_under_limit = (
                latest is not None
                and latest.day > stop_day
                and latest.dau <= policy.PUSH_TRIAL_DAU_LIMIT
            )
            reclaims_at = stages.trial_reclaims_at(app.stopped_at)
            if back_under_limit and now < reclaims_at:
                app_lifecycle.resume(
                    app,
                    at=now,
                    note=f"DAU {latest.dau:,} on {latest.day} ≤ {policy.PUSH_TRIAL_DAU_LIMIT:,}",
                )
                counts["trial_resumed"] += 1
                continue
            if now >= reclaims_at:
                app_lifecycle.destroy(app, at=now, note="Trial reclaimed after its stop")
                counts["trial_reclaimed"] += 1
                notify(
                    kind="push_trial_reclaimed",
                    account=app.account,
                    subject=app,
                    day=today,
                    context={"reclaimed_at": now},
                )
    return counts


def run_capacity_rules(*, now: dt.datetime) -> int:
    """Over the bought peak costs nothing extra, but pushes are slowed: flag and tell once a day."""
    today = billing_day(now)
    notified = 0
    active = PushSubscription.objects.filter(state=PushSubscription.State.ACTIVE).select_related(
        "app__account"
    )
    for subscription in active:
        app = subscription.app
        latest = _latest_dau(app, today=today)
        over = latest is not None and latest.dau > subscription.capacity_wan * WAN
        if over != app.throttled:
            PushApp.objects.filter(pk=app.pk).update(throttled=over)
            entitlement.invalidate(app.account_id)
        if over:
            notify(
                kind="push_over_capacity",
                account=app.account,
                subject=app,
                day=today,
                context={"dau": latest.dau, "capacity_wan": subscription.capacity_wan},
            )
            notified += 1
    return notified
