from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import roles
from billing.days import billing_day
from billing.errors import BillingError, NotPermitted
from billing.identity import DEFAULT_DOCUMENT, check_document
from billing.models import Account
from billing.text import clean_text

from . import audit
from .notices import notify


def open_account(*, user, name: str = "", language: str = "en") -> Account:
    """Every new sign-up becomes the owner of a main account."""
    account, _created = Account.objects.get_or_create(
        owner=user,
        defaults={"name": name or user.email or user.get_username(), "language": language},
    )
    return account


def submit_verification(
    *, account: Account, kind: str, name: str, number: str, document: str = "", by=None
) -> Account:
    """Submit, or correct while pending or after a rejection (SPEC §1)."""
    name = (name or "").strip()
    if kind not in Account.Kind.values:
        raise BillingError(_("Choose individual or company."))
    if not name or not (number or "").strip():
        raise BillingError(_("Both the name and the ID or registration number are required."))
    name = clean_text(name, label=_("The legal name"), max_length=120)
    document = document or DEFAULT_DOCUMENT[kind]
    number = check_document(kind=kind, document=document, number=number)
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.verification_state == Account.Verification.VERIFIED:
            raise BillingError(_("This account is already verified."))
        old = locked.verification_state
        locked.submit_verification(kind=kind, document=document, name=name, number=number)
        locked.save()
        audit.record(
            action=audit.Action.VERIFICATION_SUBMITTED,
            subject=locked,
            account=locked,
            by=by,
            old=old,
            new=locked.verification_state,
            reason=f"{locked.get_kind_display()}: {name}",
        )
    return locked


def approve_verification(*, account: Account, by) -> Account:
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.verification_state != Account.Verification.PENDING:
            raise BillingError(
                _("{locked}: only a pending verification can be approved.").format(locked=locked)
            )
        locked.approve_verification(by=by)
        locked.save()
        decision = audit.record(
            action=audit.Action.VERIFICATION_APPROVED,
            subject=locked,
            account=locked,
            by=by,
            old=Account.Verification.PENDING,
            new=locked.verification_state,
        )
        # The decision is the notice's subject: a second decision the same day is told too.
        notify(
            kind="real_name_approved",
            account=locked,
            subject=decision,
            day=billing_day(timezone.now()),
        )
    return locked


def reject_verification(*, account: Account, by, reason: str) -> Account:
    reason = reason.strip()
    if not reason:
        raise BillingError(_("A reason is required to reject a verification."))
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.verification_state != Account.Verification.PENDING:
            raise BillingError(
                _("{locked}: only a pending verification can be rejected.").format(locked=locked)
            )
        locked.reject_verification(by=by, reason=reason)
        locked.save()
        decision = audit.record(
            action=audit.Action.VERIFICATION_REJECTED,
            subject=locked,
            account=locked,
            by=by,
            old=Account.Verification.PENDING,
            new=locked.verification_state,
            reason=reason,
        )
        notify(
            kind="real_name_rejected",
            account=locked,
            subject=decision,
            day=billing_day(timezone.now()),
            context={"reason": reason},
        )
    return locked


def set_balance_alert(*, acting, threshold) -> Account:
    """SPEC.md §1 balance alert: a threshold of None turns it off; a new threshold re-arms it."""
    if not roles.can_spend(acting.role):
        raise NotPermitted(
            _("The {role} role cannot change balance settings.").format(role=acting.role_label)
        )
    if threshold is not None and threshold < 0:
        raise BillingError(_("The alert threshold cannot be negative."))
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=acting.account.pk)
        locked.balance_alert_threshold = threshold
        locked.balance_alert_sent = False
        locked.save(update_fields=["balance_alert_threshold", "balance_alert_sent"])
    return locked
