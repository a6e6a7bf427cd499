"""Postpaid arrears (SPEC.md §3, and §2 by Decision): notice at once, stop after 24 h, reclaim
7 days after the stop; a recharge that clears the debt resumes the services at once."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from billing import policy, stages
from billing.days import billing_day
from billing.models import Account, PushApp
from billing.money import yuan

from . import app_lifecycle, audit, entitlement
from .notices import notify


def enter_arrears(*, account: Account, now: dt.datetime) -> None:
    """Called inside the charging transaction, with the account locked."""
    if account.arrears_since is None:
        account.arrears_since = now
        account.save(update_fields=["arrears_since"])
    notify(
        kind="arrears",
        account=account,
        subject=account,
        day=billing_day(now),
        context={
            "amount_due": account.debt,
            "stops_at": stages.arrears_stops_at(account.arrears_since),
        },
    )


def _tell_captcha_stop(account: Account, *, now: dt.datetime) -> None:
    """CAPTCHA overage stops by itself when the grace ends (entitlement is derived); say so once
    per arrears episode, keyed by the day the grace ended, if the stop leaves nothing to use."""
    if account.captcha_postpaid != Account.CaptchaPostpaid.ON:
        return
    if entitlement.captcha_service_active(account, now=now):
        return  # live packs still answer
    stopped_at = stages.arrears_stops_at(account.arrears_since)
    notify(
        kind="captcha_service_stopped",
        account=account,
        subject=account,
        day=billing_day(stopped_at),
        context={"stopped_at": stopped_at, "reason": "arrears"},
    )


def enforce_arrears(*, now: dt.datetime) -> tuple[int, int]:
    """Stop postpaid apps of accounts in arrears over 24 h; reclaim 7 days after the stop."""
    stopped = reclaimed = 0
    overdue = Account.objects.filter(
        arrears_since__lte=now - policy.ARREARS_GRACE, big_customer=False, cash_balance__lt=0
    )
    for account_id in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            account = Account.objects.select_for_update().get(pk=account_id)
            if account.cash_balance >= 0 or account.arrears_since is None:
                continue
            _tell_captcha_stop(account, now=now)
            for app in PushApp.objects.select_for_update().filter(
                account=account,
                billing_mode=PushApp.BillingMode.POSTPAID,
                state=PushApp.State.ACTIVE,
            ):
                app_lifecycle.stop(
                    app,
                    reason=PushApp.StopReason.ARREARS,
                    at=now,
                    note=f"In arrears since {account.arrears_since:%Y-%m-%d %H:%M} UTC, "
                    f"{yuan(account.debt)} due",
                )
                stopped += 1
                notify(
                    kind="arrears_stopped",
                    account=account,
                    subject=app,
                    day=billing_day(now),
                    context={
                        "amount_due": account.debt,
                        "stopped_at": now,
                        "reclaims_at": stages.arrears_reclaims_at(now),
                    },
                )
    due = PushApp.objects.filter(
        state=PushApp.State.STOPPED,
        stop_reason=PushApp.StopReason.ARREARS,
        stopped_at__lte=now - policy.ARREARS_RECLAIM_AFTER_STOP,
        account__cash_balance__lt=0,
        account__big_customer=False,
    )
    for app_id, account_id in due.values_list("pk", "account_id"):
        with transaction.atomic():
            # The account first, as a recharge takes it: a recharge that cleared the debt just
            # now has resumed the app, and one still running waits until this one decides.
            account = Account.objects.select_for_update().get(pk=account_id)
            app = PushApp.objects.select_for_update().select_related("account").get(pk=app_id)
            if app.state != PushApp.State.STOPPED or app.stop_reason != PushApp.StopReason.ARREARS:
                continue
            if account.cash_balance >= 0 or account.big_customer:
                continue
            app_lifecycle.destroy(
                app, at=now, note=f"Reclaimed for arrears, {yuan(account.debt)} due"
            )
            reclaimed += 1
            notify(
                kind="arrears_reclaimed",
                account=app.account,
                subject=app,
                day=billing_day(now),
                context={"reclaimed_at": now},
            )
    return stopped, reclaimed


def resume_when_debt_is_cleared(*, account: Account, before_available) -> None:
    """A recharge that clears the debt resumes arrears-stopped services at once."""
    if account.arrears_since is None or account.cash_balance < 0:
        return
    now = timezone.now()
    audit.record(
        action=audit.Action.ARREARS_CLEARED,
        subject=account,
        account=account,
        old=account.arrears_since.isoformat(),
        new=None,
        reason=f"Balance back to {yuan(account.cash_balance)}",
        at=now,
    )
    account.arrears_since = None
    account.save(update_fields=["arrears_since"])
    for app in PushApp.objects.select_for_update().filter(
        account=account, state=PushApp.State.STOPPED, stop_reason=PushApp.StopReason.ARREARS
    ):
        app_lifecycle.resume(app, at=now, note="Debt cleared by a recharge")
