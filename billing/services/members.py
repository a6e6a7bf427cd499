"""Sub-accounts: users acting for a main account in one role (SPEC.md §1)."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from billing import roles
from billing.errors import BillingError, NotPermitted
from billing.models import Account, Membership
from billing.selectors import Acting


def _require_member_manager(acting: Acting) -> None:
    if not roles.can_manage_members(acting.role):
        raise NotPermitted(_("Only the owner or an admin can manage sub-accounts."))


def invite_member(*, acting: Acting, email: str, role: str) -> Membership:
    """Create the sub-account and email a link to choose a password (a password-reset key)."""
    _require_member_manager(acting)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise BillingError(_("Enter a valid email address.")) from error
    if role not in Membership.Role.values:
        raise BillingError(_("Choose a role."))
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is not None and (
            Account.objects.filter(owner=user).exists()
            or Membership.objects.filter(user=user).exists()
        ):
            raise BillingError(_("That email already belongs to a console user."))
        if user is None:
            user = User.objects.create_user(username=email, email=email)
            user.set_unusable_password()
            user.save()
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        membership = Membership.objects.create(account=acting.account, user=user, role=role)
        link = settings.CONSOLE_BASE_URL.rstrip("/") + reverse(
            "account_reset_password_from_key",
            kwargs={
                "uidb36": user_pk_to_url_str(user),
                "key": default_token_generator.make_token(user),
            },
        )
        account_name = acting.account.name
        transaction.on_commit(
            lambda: send_mail(
                _("You are invited to %(account)s on Cloud Console") % {"account": account_name},
                _(
                    "%(account)s added you as a sub-account (%(role)s).\n\n"
                    "Choose your password here to sign in:\n%(link)s\n"
                )
                % {"account": account_name, "role": membership.get_role_display(), "link": link},
                None,
                [email],
            )
        )
    return membership


def change_role(*, acting: Acting, membership_id: int, role: str) -> Membership:
    _require_member_manager(acting)
    if role not in Membership.Role.values:
        raise BillingError(_("Choose a role."))
    membership = Membership.objects.filter(pk=membership_id, account=acting.account).first()
    if membership is None:
        raise BillingError(_("That sub-account does not exist."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def remove_member(*, acting: Acting, membership_id: int) -> None:
    _require_member_manager(acting)
    deleted, _rows = Membership.objects.filter(pk=membership_id, account=acting.account).delete()
    if not deleted:
        raise BillingError(_("That sub-account does not exist."))
