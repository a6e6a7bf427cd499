"""Staff money actions with a limit: one person may credit, debit or grant up to
policy.STAFF_SINGLE_APPROVAL_LIMIT; above it a second staff member approves before anything
moves; above policy.STAFF_ADJUSTMENT_CEILING nobody can (issue 12).

A bank reference already used for a credit or a confirmed transfer is refused unless the staff
member says they checked it (a transfer credited twice is the mistake this catches).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy
from billing.errors import BillingError, NotPermitted
from billing.models import Account, LedgerEntry, Recharge, StaffApproval, Voucher
from billing.money import yuan

from . import audit, ledger, staff

ADJUST = "billing.adjust_balance"
GRANT_VOUCHER = "billing.add_voucher"


class ReferenceAlreadyUsed(BillingError):
    """The bank reference was credited before; `earlier` says where."""

    def __init__(self, message: str, *, earlier: str):
        self.earlier = earlier
        super().__init__(message)


@dataclass(frozen=True)
class Outcome:
    """Either done now (entry / voucher) or waiting for a second staff member (approval)."""

    entry: LedgerEntry | None = None
    voucher: Voucher | None = None
    approval: StaffApproval | None = None

    @property
    def pending(self) -> bool:
        return self.approval is not None and self.approval.status == StaffApproval.Status.PENDING


def _require(user, permission: str) -> None:
    if user is None or not user.is_staff or not user.has_perm(permission):
        raise NotPermitted(_("You do not have permission to do this."))


def _check_size(amount: Decimal) -> None:
    if amount > policy.STAFF_ADJUSTMENT_CEILING:
        raise BillingError(
            _("At most %(ceiling)s at once; larger sums arrive as a recharge or a bank transfer.")
            % {"ceiling": yuan(policy.STAFF_ADJUSTMENT_CEILING)}
        )


def reference_use(reference: str) -> str:
    """Where this bank reference was credited already, in words, or ""."""
    reference = reference.strip()
    if not reference:
        return ""
    entry = (
        LedgerEntry.objects.filter(bank_reference__iexact=reference)
        .select_related("account")
        .first()
    )
    if entry:
        return _("credited %(amount)s to %(account)s on %(date)s") % {
            "amount": yuan(entry.cash_amount),
            "account": entry.account,
            "date": timezone.localtime(entry.created_at).strftime("%Y-%m-%d"),
        }
    transfer = Recharge.objects.filter(
        Q(provider_reference__iexact=reference), status=Recharge.Status.SUCCEEDED
    ).first()
    if transfer:
        return _("a confirmed recharge of %(amount)s") % {"amount": yuan(transfer.amount)}
    return ""


def request_adjustment(
    *,
    account: Account,
    cash: Decimal,
    gift: Decimal,
    reason: str,
    by,
    idempotency_key: str,
    bank_reference: str = "",
    reference_checked: bool = False,
) -> Outcome:
    _require(by, ADJUST)
    reason = audit.require_reason(reason)
    if cash == 0 and gift == 0:
        raise BillingError(_("Enter a cash or gift amount to adjust."))
    amount = abs(cash) + abs(gift)
    _check_size(amount)
    bank_reference = bank_reference.strip()
    earlier = reference_use(bank_reference)
    if earlier and not reference_checked:
        raise ReferenceAlreadyUsed(
            _("Bank reference %(reference)s was used before: %(earlier)s.")
            % {"reference": bank_reference, "earlier": earlier},
            earlier=earlier,
        )
    if amount <= policy.STAFF_SINGLE_APPROVAL_LIMIT:
        entry = ledger.adjust_balance(
            account=account,
            cash=cash,
            gift=gift,
            reason=reason,
            by=by,
            idempotency_key=f"admin-adjust:{idempotency_key}",
            bank_reference=bank_reference,
        )
        return Outcome(entry=entry)
    approval, _created = StaffApproval.objects.get_or_create(
        idempotency_key=f"adjust:{idempotency_key}",
        defaults={
            "account": account,
            "kind": StaffApproval.Kind.ADJUSTMENT,
            "cash": cash,
            "gift": gift,
            "reason": reason,
            "bank_reference": bank_reference,
            "requested_by": by,
        },
    )
    return Outcome(approval=approval)


def request_voucher(*, voucher: Voucher, by, reason: str, idempotency_key: str) -> Outcome:
    """Grant at once up to the limit (staff.grant_voucher, audited), else ask a second person."""
    _require(by, GRANT_VOUCHER)
    reason = audit.require_reason(reason)
    _check_size(voucher.amount)
    if voucher.amount <= policy.STAFF_SINGLE_APPROVAL_LIMIT:
        return Outcome(voucher=staff.grant_voucher(voucher=voucher, by=by, reason=reason))
    approval, _created = StaffApproval.objects.get_or_create(
        idempotency_key=f"voucher:{idempotency_key}",
        defaults={
            "account": voucher.account,
            "kind": StaffApproval.Kind.VOUCHER,
            "gift": voucher.amount,
            "voucher_code": voucher.code,
            "voucher_min_spend": voucher.min_spend,
            "voucher_product": voucher.product,
            "voucher_expires_at": voucher.expires_at,
            "reason": reason,
            "requested_by": by,
        },
    )
    return Outcome(approval=approval)


def approve(*, approval: StaffApproval, by, now: dt.datetime | None = None) -> Outcome:
    """The second person approves: the adjustment or voucher is made, once."""
    permission = ADJUST if approval.kind == StaffApproval.Kind.ADJUSTMENT else GRANT_VOUCHER
    _require(by, permission)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        locked = StaffApproval.objects.select_for_update().get(pk=approval.pk)
        if locked.status == StaffApproval.Status.APPROVED:
            return Outcome(entry=locked.ledger_entry, voucher=locked.voucher, approval=locked)
        if locked.status != StaffApproval.Status.PENDING:
            raise BillingError(_("This request was already decided."))
        if locked.requested_by_id == by.pk:
            raise BillingError(_("A second staff member must approve what you asked for."))
        note = _("%(reason)s (asked by %(asker)s, approved by %(approver)s)") % {
            "reason": locked.reason,
            "asker": locked.requested_by.email,
            "approver": by.email,
        }
        if locked.kind == StaffApproval.Kind.ADJUSTMENT:
            locked.ledger_entry = ledger.adjust_balance(
                account=locked.account,
                cash=locked.cash,
                gift=locked.gift,
                reason=note,
                by=by,
                idempotency_key=f"approval:{locked.pk}",
                bank_reference=locked.bank_reference,
            )
        else:
            locked.voucher = staff.grant_voucher(
                voucher=Voucher(
                    account=locked.account,
                    code=locked.voucher_code,
                    amount=locked.gift,
                    min_spend=locked.voucher_min_spend,
                    product=locked.voucher_product,
                    expires_at=locked.voucher_expires_at,
                ),
                by=by,
                reason=note,
            )
        locked.approve(by=by, at=now)
        locked.save()
    return Outcome(entry=locked.ledger_entry, voucher=locked.voucher, approval=locked)


def reject(*, approval: StaffApproval, by, reason: str, now: dt.datetime | None = None) -> None:
    permission = ADJUST if approval.kind == StaffApproval.Kind.ADJUSTMENT else GRANT_VOUCHER
    _require(by, permission)
    reason = audit.require_reason(reason)
    with transaction.atomic(durable=True):
        locked = StaffApproval.objects.select_for_update().get(pk=approval.pk)
        if locked.status != StaffApproval.Status.PENDING:
            raise BillingError(_("This request was already decided."))
        locked.reject(by=by, at=now or timezone.now(), reason=reason)
        locked.save()
