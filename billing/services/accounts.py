from django.db import transaction

from billing.errors import BillingError
from billing.models import Account


def open_account(*, user, name: str = "", language: str = "en") -> Account:
    """Every new sign-up becomes the owner of a main account."""
    account, _ = Account.objects.get_or_create(
        owner=user,
        defaults={"name": name or user.email or user.get_username(), "language": language},
    )
    return account


def submit_verification(*, account: Account, kind: str, name: str, number: str) -> Account:
    name, number = name.strip(), number.strip()
    if kind not in Account.Kind.values:
        raise BillingError("Choose individual or company.")
    if not name or not number:
        raise BillingError("Both the name and the ID or registration number are required.")
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.verification_state == Account.Verification.VERIFIED:
            raise BillingError("This account is already verified.")
        if locked.verification_state == Account.Verification.PENDING:
            raise BillingError("A verification is already under review.")
        locked.submit_verification(kind=kind, name=name, number=number)
        locked.save()
    return locked


def approve_verification(*, account: Account, by) -> Account:
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.verification_state != Account.Verification.PENDING:
            raise BillingError(f"{locked}: only a pending verification can be approved.")
        locked.approve_verification(by=by)
        locked.save()
    return locked


def reject_verification(*, account: Account, by, reason: str) -> Account:
    reason = reason.strip()
    if not reason:
        raise BillingError("A reason is required to reject a verification.")
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.verification_state != Account.Verification.PENDING:
            raise BillingError(f"{locked}: only a pending verification can be rejected.")
        locked.reject_verification(by=by, reason=reason)
        locked.save()
    return locked
