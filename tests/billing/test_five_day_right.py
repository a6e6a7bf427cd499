"""SPEC §3: the five-day right is judged at filing, reserved by an open request, used when paid,
freed by rejection or withdrawal; the kind recorded is the kind paid, at the price quoted."""

import datetime as dt
from decimal import Decimal

import pytest

from billing import roles
from billing.days import BILLING_TZ
from billing.errors import BillingError
from billing.models import Account, RefundTicket
from billing.selectors import Acting
from billing.services import refunds
from tests.factories import AccountFactory, UserFactory, fund
from tests.helpers import prepaid_order

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 1, 10, tzinfo=BILLING_TZ)


def owner(account):
    return Acting(account=account, role=roles.OWNER)


def file(account, order, *, days):
    return refunds.request_refund(
        acting=owner(account),
        user=account.owner,
        order=order,
        reason="changed our mind",
        now=START + dt.timedelta(days=days),
    )


@pytest.fixture
def account():
    return fund(AccountFactory(), cash="5000")


@pytest.fixture
def staff():
    return UserFactory(username="agent", is_staff=True)


def test_an_open_five_day_request_reserves_the_right(account):
    first, second = (
        prepaid_order(account, key="a", now=START),
        prepaid_order(account, key="b", now=START),
    )
    assert file(account, first, days=1).kind == RefundTicket.Kind.FIVE_DAY
    offered = refunds.refund_eligibility(order=second, now=START + dt.timedelta(days=1))
    assert offered.kind == RefundTicket.Kind.NORMAL
    assert any("reserved by the open request" in check.detail for check in offered.checks)
    assert file(account, second, days=1).kind == RefundTicket.Kind.NORMAL


def test_filed_on_day_5_and_decided_on_day_6_pays_the_five_day_amount(account, staff):
    order = prepaid_order(account, key="a", now=START)
    ticket = file(account, order, days=5)
    assert (ticket.kind, ticket.quoted_amount) == (RefundTicket.Kind.FIVE_DAY, Decimal("800.00"))
    done = refunds.approve(ticket=ticket, by=staff, now=START + dt.timedelta(days=6))
    assert (done.kind, done.approved_amount) == (RefundTicket.Kind.FIVE_DAY, Decimal("800.00"))
    account.refresh_from_db()
    assert account.five_day_refund_used_at is not None


def test_a_normal_refund_is_paid_at_the_price_of_the_filing_day(account, staff):
    account.five_day_refund_used_at = START
    account.save()
    order = prepaid_order(account, key="a", now=START)
    ticket = file(account, order, days=10)  # 800 − 10/30 × 800
    assert ticket.quoted_amount == Decimal("533.33")
    done = refunds.approve(ticket=ticket, by=staff, now=START + dt.timedelta(days=20))
    assert done.approved_amount == Decimal("533.33")
    assert any("¥266.67" in line for line in done.calculation)  # the consumption, as filed


@pytest.mark.parametrize("close", ["reject", "withdraw"])
def test_rejection_or_withdrawal_frees_the_right(account, staff, close):
    first, second = (
        prepaid_order(account, key="a", now=START),
        prepaid_order(account, key="b", now=START),
    )
    ticket = file(account, first, days=1)
    if close == "reject":
        refunds.reject(ticket=ticket, by=staff, reason="abusive")
    else:
        refunds.withdraw(acting=owner(account), user=account.owner, ticket=ticket)
    assert file(account, second, days=2).kind == RefundTicket.Kind.FIVE_DAY


def test_paying_a_five_day_refund_uses_the_right_for_good(account, staff):
    first, second = (
        prepaid_order(account, key="a", now=START),
        prepaid_order(account, key="b", now=START),
    )
    refunds.approve(ticket=file(account, first, days=1), by=staff, now=START + dt.timedelta(days=1))
    assert file(account, second, days=2).kind == RefundTicket.Kind.NORMAL


def test_bulk_approval_refuses_what_the_check_refuses(account, staff):
    order = prepaid_order(account, key="a", now=START)
    ticket = file(account, order, days=1)
    order.mark_refunded()
    order.save()
    assert "refunded in the meantime" in refunds.approval_refusal(ticket=ticket)
    with pytest.raises(BillingError, match="refunded in the meantime"):
        refunds.approve(ticket=ticket, by=staff)
    ticket.refresh_from_db()
    assert ticket.status == RefundTicket.Status.SUBMITTED
    assert Account.objects.get(pk=account.pk).five_day_refund_used_at is None


def test_status_moves_only_by_transitions(account, staff):
    ticket = file(account, prepaid_order(account, key="a", now=START), days=1)
    refunds.start_review(ticket=ticket, by=staff)
    ticket.refresh_from_db()
    with pytest.raises(BillingError):
        refunds.start_review(ticket=ticket, by=staff)
    refunds.reject(ticket=ticket, by=staff, reason="no")
    ticket.refresh_from_db()
    assert ticket.status == RefundTicket.Status.REJECTED
    with pytest.raises(BillingError, match="already decided"):
        refunds.approve(ticket=ticket, by=staff)
