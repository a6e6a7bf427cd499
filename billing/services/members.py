"""Sub-accounts: users acting for a main account in one role (SPEC.md §1)."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy, roles
from billing.errors import BillingError, NotPermitted
from billing.models import Account, Invitation, Membership
from billing.selectors import Acting

from .ledger import lock_account


def _require_member_manager(acting: Acting) -> None:
    if not roles.can_manage_members(acting.role):
        raise NotPermitted(_("Only the owner or an admin can manage sub-accounts."))


def invite_member(*, acting: Acting, user, email: str, role: str, now=None) -> Invitation:
    """Email an invitation; nobody becomes a member until they accept it, signed in with the
    invited address (SPEC §1 sub-accounts). No login is created here."""
    _require_member_manager(acting)
    now = now or timezone.now()
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise BillingError(_("Enter a valid email address.")) from error
    if role not in Membership.Role.values:
        raise BillingError(_("Choose a role."))
    if get_user_model().objects.filter(email__iexact=email, is_staff=True).exists():
        raise BillingError(_("Support staff cannot be members of a customer account."))
    if Membership.objects.filter(account=acting.account, user__email__iexact=email).exists():
        raise BillingError(_("That address is already a member of this account."))
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        lock_account(acting.account.pk)
        # A new invitation to the same address replaces the pending one (and its link).
        acting.account.invitations.filter(email=email, status=Invitation.Status.PENDING).update(
            status=Invitation.Status.REVOKED, decided_at=now
        )
        invitation = Invitation.objects.create(
            account=acting.account,
            email=email,
            role=role,
            token_hash=_token_hash(token),
            invited_by=user,
            created_at=now,
            expires_at=now + dt.timedelta(days=policy.INVITATION_VALID_DAYS),
        )
        link = settings.CONSOLE_BASE_URL.rstrip("/") + reverse("console:invitation", args=[token])
        context = {
            "account": acting.account.name,
            "role": invitation.get_role_display(),
            "link": link,
            "days": policy.INVITATION_VALID_DAYS,
        }
        transaction.on_commit(
            lambda: send_mail(
                _("%(account)s invites you to Cloud Console") % context,
                _(
                    "%(account)s invites you to act for it on Cloud Console as a sub-account "
                    "(%(role)s).\n\nOpen this link to accept or decline; it is valid for "
                    "%(days)d days. Nothing changes until you accept.\n%(link)s\n\n"
                    "If you do not know this account, ignore this email.\n"
                )
                % context,
                None,
                [email],
            )
        )
    return invitation


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("account", "invited_by")
        .filter(token_hash=_token_hash(token or ""))
        .first()
    )


def closed_reason(*, invitation: Invitation, now) -> str | None:
    if invitation.is_open(now):
        return None
    if invitation.status == Invitation.Status.PENDING:
        return _("This invitation has expired; ask for a new one.")
    return _("This invitation is no longer open (%(status)s).") % {
        "status": invitation.get_status_display()
    }


def is_invitee(*, invitation: Invitation, user) -> bool:
    """Only the invited address may answer: accepting or declining."""
    return user.is_authenticated and (user.email or "").lower() == invitation.email


def _wrong_address(invitation: Invitation) -> str:
    return _("This invitation is for %(email)s; sign in with that address to accept it.") % {
        "email": invitation.email
    }


def acceptance_refusal(*, invitation: Invitation, user, now) -> str | None:
    """Why this signed-in user cannot accept this invitation, or None. The invitation page
    shows it and accept_invitation raises it: one decision."""
    closed = closed_reason(invitation=invitation, now=now)
    if closed:
        return closed
    if user.is_staff:
        return _("Support staff cannot be members of a customer account.")
    if not is_invitee(invitation=invitation, user=user):
        return _wrong_address(invitation)
    if Membership.objects.filter(user=user).exists():
        return _("This login already acts for another account; use another address.")
    own = Account.objects.filter(owner=user).first()
    if own is not None and _has_history(own):
        return _("This login owns an account of its own; use another address to join.")
    return None


def _has_history(account: Account) -> bool:
    """An owned account that anything happened in cannot be dropped to join another one."""
    return (
        account.ledger.exists()
        or account.orders.exists()
        or account.recharges.exists()
        or account.vouchers.exists()
        or account.invitations.exists()
        or account.push_apps.exists()
        or account.captcha_apps.exists()
        or account.memberships.exists()
    )


def _locked_invitation(token: str) -> Invitation:
    found = invitation_for_token(token)
    if found is None:
        raise BillingError(_("This invitation link is not valid."))
    return Invitation.objects.select_for_update().get(pk=found.pk)


def accept_invitation(*, token: str, user, now=None) -> Membership:
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _locked_invitation(token)
        refusal = acceptance_refusal(invitation=invitation, user=user, now=now)
        if refusal:
            raise BillingError(refusal)
        # An empty account opened at sign-up is replaced by the membership.
        Account.objects.filter(owner=user).delete()
        membership = Membership.objects.create(
            account=invitation.account, user=user, role=invitation.role, created_at=now
        )
        invitation.status = Invitation.Status.ACCEPTED
        invitation.accepted_by = user
        invitation.decided_at = now
        invitation.save(update_fields=["status", "accepted_by", "decided_at"])
    return membership


def decline_invitation(*, token: str, user, now=None) -> Invitation:
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _locked_invitation(token)
        if not invitation.is_open(now):
            raise BillingError(_("This invitation is no longer open."))
        if not is_invitee(invitation=invitation, user=user):
            raise BillingError(_wrong_address(invitation))
        invitation.status = Invitation.Status.DECLINED
        invitation.decided_at = now
        invitation.save(update_fields=["status", "decided_at"])
    return invitation


def revoke_invitation(*, acting: Acting, invitation_id: int, now=None) -> Invitation:
    _require_member_manager(acting)
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(pk=invitation_id, account=acting.account)
            .first()
        )
        if invitation is None:
            raise BillingError(_("That invitation does not exist."))
        if invitation.status == Invitation.Status.PENDING:
            invitation.status = Invitation.Status.REVOKED
            invitation.decided_at = now
            invitation.save(update_fields=["status", "decided_at"])
    return invitation


def pending_invitation_exists(email: str, now=None) -> bool:
    now = now or timezone.now()
    return Invitation.objects.filter(
        email__iexact=email or "", status=Invitation.Status.PENDING, expires_at__gt=now
    ).exists()


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
