"""The one way a push app is stopped, resumed or destroyed, and a subscription ended.

Every caller (the trial rules, prepaid expiry, arrears, refunds, purchases and renewals that
revive an app, and support's own stop and resume) comes here with the app locked. Each change
writes the stop record settlement reads (a day spent wholly stopped is not charged), the audit
event (SPEC.md §1 Decision), in the caller's transaction; each save drops the cached entitlement
(the post_save receivers of billing/services/entitlement.py).
"""

import datetime as dt

from billing.models import PushApp, PushAppStop, PushSubscription

from . import audit
from .resources import delete_resource_data

State = PushApp.State


def _record(app: PushApp, action: str, old: str, *, at, by, reason: str) -> None:
    audit.record(
        action=action,
        subject=app,
        account=app.account,
        by=by,
        old=old,
        new=app.state,
        reason=reason,
        at=at,
    )


def stop(app: PushApp, *, reason: str, at: dt.datetime, by=None, note: str = "") -> bool:
    """Stop an active app; False (nothing written) if it is not active."""
    if app.state != State.ACTIVE:
        return False
    app.stop(reason=reason, at=at)
    app.save(update_fields=["state", "stop_reason", "stopped_at"])
    PushAppStop.objects.create(app=app, reason=reason, started_at=at)
    _record(
        app,
        audit.Action.APP_STOPPED,
        State.ACTIVE,
        at=at,
        by=by,
        reason=note or str(PushApp.StopReason(reason).label),
    )
    return True


def resume(app: PushApp, *, at: dt.datetime, by=None, note: str = "") -> bool:
    """Resume a stopped app; False (nothing written) if it is not stopped."""
    if app.state != State.STOPPED:
        return False
    was = PushApp.StopReason(app.stop_reason).label if app.stop_reason else ""
    app.resume()
    app.save(update_fields=["state", "stop_reason", "stopped_at"])
    _end_open_stop(app, at)
    _record(app, audit.Action.APP_RESUMED, State.STOPPED, at=at, by=by, reason=note or str(was))
    return True


def destroy(app: PushApp, *, at: dt.datetime, by=None, note: str) -> bool:
    """Destroy or reclaim: the resource data goes for good; orders and the ledger stay."""
    if app.state == State.DESTROYED:
        return False
    old = app.state
    app.destroy(at=at)
    app.save(update_fields=["state", "destroyed_at", "throttled"])
    _end_open_stop(app, at)
    delete_resource_data(app)
    _record(app, audit.Action.APP_DESTROYED, old, at=at, by=by, reason=note)
    return True


def end_subscription(
    subscription: PushSubscription, *, at: dt.datetime, by=None, note: str
) -> bool:
    if subscription.state != PushSubscription.State.ACTIVE:
        return False
    subscription.end(at=at)
    subscription.save(update_fields=["state", "ended_at"])
    app = subscription.app
    audit.record(
        action=audit.Action.SUBSCRIPTION_ENDED,
        subject=subscription,
        account=app.account,
        by=by,
        old=PushSubscription.State.ACTIVE,
        new=PushSubscription.State.ENDED,
        reason=note,
        at=at,
    )
    return True


def change_billing_mode(app: PushApp, mode: str, *, at: dt.datetime, by=None, note: str) -> None:
    """The caller saves the app (the mode often changes with other fields)."""
    if app.billing_mode == mode:
        return
    old, app.billing_mode = app.billing_mode, mode
    audit.record(
        action=audit.Action.BILLING_MODE_CHANGED,
        subject=app,
        account=app.account,
        by=by,
        old=old,
        new=mode,
        reason=note,
        at=at,
    )


def _end_open_stop(app: PushApp, at: dt.datetime) -> None:
    for open_stop in PushAppStop.objects.filter(app=app, ended_at__isnull=True):
        # A run "as of" an instant before the stop (SPEC §4 settle-only) never ends it earlier.
        open_stop.ended_at = max(at, open_stop.started_at)
        open_stop.save(update_fields=["ended_at"])
