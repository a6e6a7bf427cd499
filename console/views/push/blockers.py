"""What blocks a push action, in words: the page says why instead of hiding a button."""

import datetime as dt

from django.utils.translation import gettext as _

from billing import policy
from billing.models import (
    PushApp,
    PushSubscription,
)
from billing.selectors import Acting
from billing.services import push as push_services
from billing.services.checkout import role_refusal
from console.access import spend_blocker


def buy_blocker(acting: Acting, app: PushApp, subscription: PushSubscription | None) -> str:
    if app.state == PushApp.State.DESTROYED:
        return _("This app's data was destroyed; create a new app.")
    if app.charity:
        return _("Charity apps are free forever; there is nothing to buy.")
    if subscription:
        return _("This app already has prepaid service; renew or upgrade it instead.")
    if app.billing_mode == PushApp.BillingMode.POSTPAID:
        return _("Postpaid cannot be cancelled, so this app cannot switch to prepaid online.")
    return spend_blocker(acting)


def upgrade_blocker(
    acting: Acting, app: PushApp, subscription: PushSubscription | None, *, now: dt.datetime
) -> str:
    return (
        push_services.upgrade_refusal(acting=acting, app=app, subscription=subscription, now=now)
        or ""
    )


def renew_blocker(acting: Acting, subscription: PushSubscription, *, now: dt.datetime) -> str:
    app = subscription.app
    if subscription.state != PushSubscription.State.ACTIVE:
        return _("This subscription has ended; buy prepaid service again.")
    if app.state == PushApp.State.DESTROYED:
        return _("This app's data was destroyed; create a new app.")
    days_after = push_services.days_after_expiry(subscription, now=now)
    if days_after >= policy.PUSH_STOP_DAY_AFTER_EXPIRY:
        return _(
            "The service was stopped on day %(day)d after expiry; "
            "only support can renew it now. Contact support."
        ) % {"day": policy.PUSH_STOP_DAY_AFTER_EXPIRY}
    return spend_blocker(acting)


def postpaid_blocker(app: PushApp, subscription: PushSubscription | None) -> str:
    return push_services.postpaid_app_refusal(app=app, subscription=subscription) or ""


def postpaid_account_blocker(acting: Acting) -> str:
    """The role first, then what the service refuses for the whole account."""
    return (
        role_refusal(acting=acting)
        or push_services.postpaid_account_refusal(account=acting.account)
        or ""
    )
