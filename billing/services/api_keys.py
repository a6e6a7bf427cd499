from django.utils import timezone
from django.utils.translation import gettext as _

from billing import roles
from billing.api.signing import forget_key, new_key_pair
from billing.errors import BillingError, NotPermitted
from billing.models import ApiKey
from billing.selectors import Acting
from billing.text import NAME_LENGTH, clean_text

MAX_KEYS = 10


def _require(acting: Acting) -> None:
    if not roles.can_manage_members(acting.role):
        raise NotPermitted(_("Only the owner or an admin can manage API keys."))


def create_key(*, acting: Acting, name: str) -> ApiKey:
    _require(acting)
    name = (name or "").strip()
    if not name:
        raise BillingError(_("Give the key a name."))
    name = clean_text(name, label=_("The key name"), max_length=NAME_LENGTH)
    live = ApiKey.objects.filter(account=acting.account, revoked_at__isnull=True).count()
    if live >= MAX_KEYS:
        raise BillingError(_("An account can have at most %(n)d live keys.") % {"n": MAX_KEYS})
    secret_id, secret_key = new_key_pair()
    return ApiKey.objects.create(
        account=acting.account, name=name, secret_id=secret_id, secret_key=secret_key
    )


def revoke_key(*, acting: Acting, key_id: int) -> ApiKey:
    _require(acting)
    key = ApiKey.objects.filter(pk=key_id, account=acting.account).first()
    if key is None:
        raise BillingError(_("That key does not exist."))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    forget_key(key.secret_id)
    return key
