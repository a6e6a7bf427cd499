"""Four eyes on large staff money actions, a ceiling, and bank references credited twice
(billing/services/approvals.py, issue 12)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import policy
from billing.errors import BillingError, NotPermitted
from billing.models import AuditEvent, LedgerEntry, StaffApproval, Voucher
from billing.services import approvals
from tests.factories import AccountFactory, SupportFactory, UserFactory

pytestmark = pytest.mark.django_db
LIMIT = policy.STAFF_SINGLE_APPROVAL_LIMIT


def adjust(by, account, cash, *, key="k", **kwargs):
    return approvals.request_adjustment(
        account=account,
        cash=Decimal(cash),
        gift=Decimal("0"),
        reason="Bank transfer received",
        by=by,
        idempotency_key=key,
        **kwargs,
    )


def test_up_to_the_limit_one_person_posts_at_once():
    account = AccountFactory()
    outcome = adjust(SupportFactory(), account, LIMIT)
    assert outcome.entry is not None and not outcome.pending
    account.refresh_from_db()
    assert account.cash_balance == LIMIT


def test_above_the_limit_a_second_person_approves_and_it_posts_once():
    asker, approver = SupportFactory(username="asker"), SupportFactory(username="approver")
    account = AccountFactory()
    outcome = adjust(asker, account, LIMIT + 1)
    assert outcome.pending and not LedgerEntry.objects.exists()
    assert adjust(asker, account, LIMIT + 1).approval == outcome.approval  # double submit
    with pytest.raises(BillingError, match="second staff member"):
        approvals.approve(approval=outcome.approval, by=asker)
    assert not LedgerEntry.objects.exists()
    done = approvals.approve(approval=outcome.approval, by=approver)
    again = approvals.approve(approval=outcome.approval, by=approver)
    assert done.entry == again.entry
    entry = LedgerEntry.objects.get()
    assert (entry.cash_amount, entry.created_by) == (LIMIT + 1, approver)
    assert "asker@example.com" in entry.reason and "approver@example.com" in entry.reason
    with pytest.raises(BillingError):
        approvals.reject(approval=outcome.approval, by=approver, reason="too late")


def test_a_rejected_request_moves_nothing_and_needs_a_reason():
    asker, other = SupportFactory(username="a1"), SupportFactory(username="a2")
    outcome = adjust(asker, AccountFactory(), LIMIT * 2)
    with pytest.raises(BillingError):
        approvals.reject(approval=outcome.approval, by=other, reason="")
    approvals.reject(approval=outcome.approval, by=other, reason="No transfer arrived")
    outcome.approval.refresh_from_db()
    assert outcome.approval.status == StaffApproval.Status.REJECTED
    with pytest.raises(BillingError):
        approvals.approve(approval=outcome.approval, by=other)
    assert not LedgerEntry.objects.exists()


def test_ten_billion_is_refused_outright():
    with pytest.raises(BillingError, match="At most"):
        adjust(SupportFactory(), AccountFactory(), "10000000000.00")
    assert not StaffApproval.objects.exists() and not LedgerEntry.objects.exists()


def test_a_bank_reference_credited_before_is_refused_until_checked():
    support = SupportFactory()
    account = AccountFactory()
    adjust(support, account, "500", key="k1", bank_reference="CMB-8812")
    with pytest.raises(approvals.ReferenceAlreadyUsed, match=r"(?i)cmb-8812 was used before"):
        adjust(support, AccountFactory(), "500", key="k2", bank_reference="cmb-8812")
    assert LedgerEntry.objects.count() == 1
    adjust(support, account, "500", key="k3", bank_reference="CMB-8812", reference_checked=True)
    assert LedgerEntry.objects.count() == 2


def test_only_staff_with_the_permission_may_ask_or_approve():
    account = AccountFactory()
    for who in (UserFactory(), UserFactory(is_staff=True, username="intern")):
        with pytest.raises(NotPermitted):
            adjust(who, account, "10")
    outcome = adjust(SupportFactory(), account, LIMIT + 1)
    with pytest.raises(NotPermitted):
        approvals.approve(approval=outcome.approval, by=UserFactory(is_staff=True, username="x"))


def test_a_large_voucher_waits_for_a_second_person():
    asker, approver = SupportFactory(username="v1"), SupportFactory(username="v2")
    account = AccountFactory()
    voucher = Voucher(
        account=account,
        code="BIGSORRY",
        amount=LIMIT + 1,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    outcome = approvals.request_voucher(
        voucher=voucher, by=asker, reason="Outage", idempotency_key="v"
    )
    assert outcome.pending and not Voucher.objects.exists()
    approvals.approve(approval=outcome.approval, by=approver)
    granted = Voucher.objects.get(code="BIGSORRY")
    assert granted.amount == LIMIT + 1
    event = AuditEvent.objects.get(action="voucher_granted")
    assert event.actor == approver and "v1@example.com" in event.reason


def test_the_admin_sends_a_large_adjustment_for_approval_and_another_agent_approves(client):
    account = AccountFactory()
    asker = SupportFactory(username="desk-1")
    client.force_login(asker)
    url = reverse("admin:billing_account_adjust_balance", args=[account.pk])
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', client.get(url).text).group(1)
    response = client.post(
        url,
        {"cash": "50000", "gift": "0", "reason": "Transfer 9911", "idempotency_key": key},
    )
    approval = StaffApproval.objects.get()
    assert response["Location"] == reverse("admin:billing_staffapproval_change", args=[approval.pk])
    page = client.get(response["Location"]).text
    assert "another staff member must approve it" in page
    client.force_login(SupportFactory(username="desk-2"))
    page = client.get(response["Location"]).text
    assert "Approve and make the change" in page
    client.post(reverse("admin:billing_staffapproval_decide", args=[approval.pk, "approve"]))
    account.refresh_from_db()
    assert account.cash_balance == Decimal("50000.00")
