"""Push apps themselves: creation (free trial, 50 per platform), renaming, removing a
destroyed one from the list."""

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy, pricing, roles
from billing.errors import BillingError, NotPermitted
from billing.models import Account, Product, PushApp
from billing.selectors import Acting
from billing.text import NAME_LENGTH, clean_text

from .. import audit
from ..ledger import lock_account


def create_app(*, acting: Acting, platform: str, name: str, access_point: str) -> PushApp:
    """A new app starts on the free trial; 50 apps per platform per account."""
    if not roles.can_manage_resources(acting.role):
        raise NotPermitted(_("The {role} role cannot create apps.").format(role=acting.role_label))
    name = (name or "").strip()
    if not name:
        raise BillingError(_("Give the app a name."))
    name = clean_text(name, label=_("The app name"), max_length=NAME_LENGTH)
    if platform not in PushApp.Platform.values:
        raise BillingError(_("Choose Android, iOS or macOS."))
    if access_point not in pricing.REGIONS:
        raise BillingError(_("Choose a service access point."))
    with transaction.atomic():
        account = lock_account(acting.account.pk)  # serialises the per-platform count
        # A destroyed app no longer takes one of the 50 places (issue 12).
        on_platform = (
            account.push_apps.filter(platform=platform)
            .exclude(state=PushApp.State.DESTROYED)
            .count()
        )
        if on_platform >= policy.PUSH_APPS_PER_PLATFORM:
            raise BillingError(
                _(
                    "The limit of {push_apps_per_platform} {platform_label} apps per account "
                    "is reached."
                ).format(
                    push_apps_per_platform=policy.PUSH_APPS_PER_PLATFORM,
                    platform_label=PushApp.Platform(platform).label,
                )
            )
        for _attempt in range(10):
            try:
                with transaction.atomic():
                    return PushApp.objects.create(
                        account=account,
                        platform=platform,
                        name=name,
                        access_point=access_point,
                        access_id=_new_access_id(),
                    )
            except IntegrityError:
                continue
    raise BillingError(_("Could not allocate an Access ID; try again."))


def _new_access_id() -> str:
    return str(1_500_000_000 + secrets.randbelow(8_500_000_000))


def push_product() -> Product:
    return Product.objects.get(code=Product.Code.PUSH)


def require_app_of(account: Account, app: PushApp) -> PushApp:
    locked = PushApp.objects.select_for_update().get(pk=app.pk)
    if locked.account_id != account.pk:
        raise NotPermitted(_("That app belongs to another account."))
    if locked.state == PushApp.State.DESTROYED:
        raise BillingError(_("This app's data was destroyed; create a new app."))
    return locked


def rename_app(*, acting: Acting, app: PushApp, name: str) -> bool:
    """A new display name (the Access ID never changes); False if it is the same."""
    if not roles.can_manage_resources(acting.role):
        raise NotPermitted(_("The {role} role cannot rename apps.").format(role=acting.role_label))
    name = clean_text(name, label=_("The app name"), max_length=NAME_LENGTH)
    with transaction.atomic():
        locked = PushApp.objects.select_for_update().get(pk=app.pk, account=acting.account)
        if locked.state == PushApp.State.DESTROYED:
            raise BillingError(_("This app's data was destroyed; it cannot be renamed."))
        if locked.name == name:
            return False
        old, locked.name = locked.name, name
        locked.save(update_fields=["name"])
        audit.record(
            action=audit.Action.APP_RENAMED,
            subject=locked,
            account=locked.account,
            by=acting.user,
            old=old,
            new=name,
        )
    return True


def hide_destroyed_app(*, acting: Acting, app: PushApp, now: dt.datetime | None = None) -> bool:
    """Remove a destroyed app from the customer's list; False if it is hidden already."""
    if not roles.can_manage_resources(acting.role):
        raise NotPermitted(_("The {role} role cannot remove apps.").format(role=acting.role_label))
    now = now or timezone.now()
    with transaction.atomic():
        locked = PushApp.objects.select_for_update().get(pk=app.pk, account=acting.account)
        if locked.state != PushApp.State.DESTROYED:
            raise BillingError(_("Only an app whose data was destroyed can be removed."))
        if locked.hidden_at is not None:
            return False
        locked.hidden_at = now
        locked.save(update_fields=["hidden_at"])
        audit.record(
            action=audit.Action.APP_REMOVED,
            subject=locked,
            account=locked.account,
            by=acting.user,
            reason="Removed from the list by the customer",
            at=now,
        )
    return True
