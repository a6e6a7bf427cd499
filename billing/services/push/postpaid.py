"""Push postpaid: who may enable it and enabling up to 50 trial apps at once (SPEC.md §3)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy, roles
from billing.errors import BillingError, NotPermitted
from billing.models import Account, PushApp, PushSubscription
from billing.selectors import Acting

from .. import app_lifecycle
from ..checkout import (
    on_sale_refusal,
)
from ..ledger import lock_account
from .apps import push_product
from .prepaid import active_subscription


def postpaid_account_refusal(*, account: Account) -> str | None:
    """Why this account cannot enable push postpaid at all, or None (page and service)."""
    if account.verification_state != Account.Verification.VERIFIED:
        return _("Real-name verification is required before enabling postpaid.")
    return on_sale_refusal(account=account, product=push_product())


def postpaid_app_refusal(*, app: PushApp, subscription: PushSubscription | None) -> str | None:
    """Why this one app cannot switch to postpaid, or None (the page's "Can enable?" column)."""
    if app.state == PushApp.State.DESTROYED:
        return _("Its data was destroyed.")
    if app.billing_mode == PushApp.BillingMode.POSTPAID:
        return _("Already postpaid.")
    if subscription:
        return _("Has prepaid service; postpaid is for trial apps.")
    return None


def enable_postpaid(
    *, acting: Acting, app_ids: list[int], now: dt.datetime | None = None
) -> list[PushApp]:
    """Switch up to 50 trial apps to postpaid in one go (SPEC.md §3)."""
    now = now or timezone.now()
    if not roles.can_spend(acting.role):
        raise NotPermitted(
            _("The {role} role cannot enable postpaid.").format(role=acting.role_label)
        )
    ids = set(app_ids)
    if not ids:
        raise BillingError(_("Select at least one app."))
    if len(ids) > policy.PUSH_POSTPAID_BATCH_LIMIT:
        raise BillingError(
            _(
                "Postpaid can be enabled for at most {push_postpaid_batch_limit} apps at once."
            ).format(push_postpaid_batch_limit=policy.PUSH_POSTPAID_BATCH_LIMIT)
        )
    with transaction.atomic():
        account = lock_account(acting.account.pk)
        refusal = postpaid_account_refusal(account=account)
        if refusal:
            raise BillingError(refusal)
        apps = list(PushApp.objects.select_for_update().filter(pk__in=ids, account=account))
        if len(apps) != len(ids):
            raise BillingError(_("Some selected apps do not exist."))
        for app in apps:
            refusal = postpaid_app_refusal(app=app, subscription=active_subscription(app))
            if refusal:
                raise BillingError(f"{app.name}: {refusal}")
        note = "Postpaid enabled in the console"
        for app in apps:
            app_lifecycle.change_billing_mode(
                app, PushApp.BillingMode.POSTPAID, at=now, by=acting.user, note=note
            )
            app.postpaid_first_enabled_at = app.postpaid_first_enabled_at or now
            app.postpaid_since, app.postpaid_until = now, None
            app.save(
                update_fields=[
                    "billing_mode",
                    "postpaid_first_enabled_at",
                    "postpaid_since",
                    "postpaid_until",
                ]
            )
            if app.stop_reason in (
                PushApp.StopReason.TRIAL_OVER_LIMIT,
                PushApp.StopReason.REFUNDED,
            ):
                app_lifecycle.resume(app, at=now, by=acting.user, note=note)
    return apps
