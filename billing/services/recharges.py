from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import roles
from billing.errors import BillingError, NotPermitted
from billing.models import Recharge
from billing.payments import PaymentStart, payment_provider
from billing.selectors import Acting

from .ledger import lock_account, recharge

MAX_RECHARGE = Decimal("1000000.00")


def parse_amount(raw) -> Decimal:
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as error:
        raise BillingError(_("Enter an amount in yuan, e.g. 500 or 99.90.")) from error
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise BillingError(_("Enter a positive amount with at most two decimals."))
    if amount > MAX_RECHARGE:
        raise BillingError(
            _("A single recharge is at most ¥{max_recharge:,.2f}.").format(
                max_recharge=MAX_RECHARGE
            )
        )
    return amount


def start_recharge(*, acting: Acting, user, amount: Decimal) -> tuple[Recharge, PaymentStart]:
    if not roles.can_spend(acting.role):
        raise NotPermitted(_("The {role} role cannot recharge.").format(role=acting.role_label))
    provider = payment_provider()
    start = provider.start(amount=amount, account_id=acting.account.pk)
    recharge_row = Recharge.objects.create(
        account=acting.account,
        amount=amount,
        provider=provider.name,
        provider_reference=start.provider_reference,
        created_by=user,
    )
    return recharge_row, start


def complete_recharge(
    *, provider_reference: str, succeeded: bool = True, confirmed_by=None
) -> Recharge:
    """The provider confirmed (or declined) a payment. Safe to call repeatedly.

    The ledger entry records who caused it: the staff member who confirmed a bank transfer, or
    the customer who started an online payment."""
    with transaction.atomic():
        row = (
            Recharge.objects.select_for_update()
            .filter(provider_reference=provider_reference)
            .first()
        )
        if row is None:
            raise BillingError(_("Unknown payment reference."))
        if row.status != Recharge.Status.PENDING:
            return row
        lock_account(row.account_id)
        if succeeded:
            recharge(
                account=row.account,
                amount=row.amount,
                provider_reference=provider_reference,
                memo=f"Recharge via {row.provider}",
                created_by=confirmed_by or row.created_by,
            )
        row.status = Recharge.Status.SUCCEEDED if succeeded else Recharge.Status.FAILED
        row.completed_at = timezone.now()
        row.save(update_fields=["status", "completed_at"])
    return row
