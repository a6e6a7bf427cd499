"""Refund eligibility, amounts and execution (SPEC.md §2 and §3 Refunds)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from billing import roles
from billing.days import BILLING_TZ
from billing.errors import BillingError
from billing.models import (
    Account,
    CaptchaPack,
    LedgerEntry,
    Order,
    PushApp,
    PushDauDaily,
    PushSubscription,
    RefundTicket,
)
from billing.selectors import Acting
from billing.services import captcha, push, refunds
from notifications.models import Notice
from tests.factories import AccountFactory, PushAppFactory, UserFactory, VoucherFactory, fund, sku
from tests.helpers import race

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 1, 10, tzinfo=BILLING_TZ)


def owner(account):
    return Acting(account=account, role=roles.OWNER)


def buy_push(account, *, region="guangzhou", capacity=1, months=1, voucher="", key="buy", at=START):
    app = PushAppFactory(account=account, access_point=region)
    with time_machine.travel(at, tick=False):
        return push.buy_prepaid(
            acting=owner(account),
            user=account.owner,
            app=app,
            capacity_wan=capacity,
            months=months,
            voucher_code=voucher,
            idempotency_key=key,
        ).order


def used_five_day_right(account):
    Account.objects.filter(pk=account.pk).update(five_day_refund_used_at=START)
    account.refresh_from_db()


def test_spec_worked_example_800_after_10_days_is_533_33():
    account = fund(AccountFactory(), cash="800")
    used_five_day_right(account)
    order = buy_push(account)
    eligibility = refunds.refund_eligibility(order=order, now=START + dt.timedelta(days=10))
    assert eligibility.kind == RefundTicket.Kind.NORMAL
    assert eligibility.amount == Decimal("533.33")
    assert (eligibility.cash, eligibility.gift) == (Decimal("533.33"), Decimal("0.00"))


def test_five_day_refund_returns_everything_but_the_voucher_once_per_account():
    account = fund(AccountFactory(), cash="1000", gift="200")
    VoucherFactory(account=account, code="V100", amount=Decimal("100"))
    order = buy_push(account, voucher="V100")  # 800 = 100 voucher + 200 gift + 500 cash
    day5 = START + dt.timedelta(days=5)
    eligibility = refunds.refund_eligibility(order=order, now=day5)
    assert eligibility.kind == RefundTicket.Kind.FIVE_DAY
    assert (eligibility.amount, eligibility.cash, eligibility.gift) == (
        Decimal("700.00"),
        Decimal("500.00"),
        Decimal("200.00"),
    )
    day6 = refunds.refund_eligibility(order=order, now=START + dt.timedelta(days=6))
    assert day6.kind == RefundTicket.Kind.NORMAL
    used_five_day_right(account)
    order.account.refresh_from_db()
    assert refunds.refund_eligibility(order=order, now=day5).kind == RefundTicket.Kind.NORMAL


def test_consumed_more_than_paid_refunds_zero():
    account = fund(AccountFactory(), cash="100")
    used_five_day_right(account)
    VoucherFactory(account=account, code="BIG", amount=Decimal("700"))
    order = buy_push(account, voucher="BIG")  # ¥100 cash paid, consumption runs at ¥800/month
    eligibility = refunds.refund_eligibility(order=order, now=START + dt.timedelta(days=10))
    assert eligibility.refundable and eligibility.amount == Decimal("0.00")


def test_normal_refund_covers_not_yet_started_renewals_in_gift_cash_proportion():
    account = fund(AccountFactory(), cash="1200", gift="400")
    used_five_day_right(account)
    order = buy_push(account)  # gift 400 + cash 400
    subscription = PushSubscription.objects.get(original_order=order)
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        renewal = push.renew(
            acting=owner(account),
            user=account.owner,
            subscription=subscription,
            months=1,
            idempotency_key="renew",
        ).order  # cash 800
    eligibility = refunds.refund_eligibility(order=order, now=START + dt.timedelta(days=10))
    assert eligibility.amount == Decimal("1333.33")  # 1600 paid − 10/30 × 800
    assert {o.pk for o in eligibility.orders} == {order.pk, renewal.pk}
    assert eligibility.cash + eligibility.gift == eligibility.amount
    assert eligibility.gift == Decimal("333.33")  # 400 of 1600 paid was gift


def test_five_day_refund_of_a_running_period_returns_its_upgrade_and_unstarted_renewal_too():
    """The refund ends the subscription, so what was paid on top of it must not be lost."""
    account = fund(AccountFactory(), cash="3000", gift="200")
    order = buy_push(account)  # ¥800: gift 200 + cash 600, 1万 for one month
    subscription = PushSubscription.objects.get(original_order=order)
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        upgrade = push.upgrade(
            acting=owner(account),
            user=account.owner,
            subscription=subscription,
            to_capacity_wan=2,
            idempotency_key="up",
        ).order
        subscription.refresh_from_db()
        renewal = push.renew(
            acting=owner(account),
            user=account.owner,
            subscription=subscription,
            months=1,
            idempotency_key="renew",
        ).order
    paid = sum(o.cash_amount + o.gift_amount for o in (order, upgrade, renewal))
    day3 = START + dt.timedelta(days=3)
    eligibility = refunds.refund_eligibility(order=order, now=day3)
    assert eligibility.kind == RefundTicket.Kind.FIVE_DAY
    assert {o.pk for o in eligibility.orders} == {order.pk, upgrade.pk, renewal.pk}
    assert eligibility.amount == paid and eligibility.gift == Decimal("200.00")
    assert any(upgrade.number in line for line in eligibility.calculation)
    with time_machine.travel(day3, tick=False):
        ticket = refunds.request_refund(
            acting=owner(account), user=account.owner, order=order, reason="changed plans"
        )
    refunds.approve(ticket=ticket, by=UserFactory(is_staff=True), now=day3)
    account.refresh_from_db()
    assert (account.cash_balance, account.gift_balance) == (Decimal("3000.00"), Decimal("200.00"))
    assert set(
        Order.objects.filter(pk__in=[order.pk, upgrade.pk, renewal.pk]).values_list(
            "status", flat=True
        )
    ) == {Order.Status.REFUNDED}
    told = Notice.objects.filter(kind="refund_ticket_update").order_by("created_at", "id")
    # One notice per decision (issue 12): the approval is told as "refunded", with the amount.
    assert [n.context["ticket_status"] for n in told] == ["submitted", "refunded"]


def test_five_day_refund_of_an_unstarted_renewal_returns_only_it():
    account = fund(AccountFactory(), cash="1600")
    order = buy_push(account)
    subscription = PushSubscription.objects.get(original_order=order)
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        renewal = push.renew(
            acting=owner(account),
            user=account.owner,
            subscription=subscription,
            months=1,
            idempotency_key="renew",
        ).order
    eligibility = refunds.refund_eligibility(order=renewal, now=START + dt.timedelta(days=2))
    assert eligibility.kind == RefundTicket.Kind.FIVE_DAY
    assert [o.pk for o in eligibility.orders] == [renewal.pk]
    assert eligibility.amount == Decimal("800.00")


def test_captcha_pack_refund_only_within_5_days_and_unused():
    account = fund(AccountFactory(), cash="5000")
    with time_machine.travel(START, tick=False):
        order = captcha.buy_pack(
            acting=owner(account),
            user=account.owner,
            sku=sku("captcha-count-1m"),
            idempotency_key="p",
        ).order
    eligibility = refunds.refund_eligibility(order=order, now=START + dt.timedelta(days=5))
    assert (eligibility.kind, eligibility.amount) == (RefundTicket.Kind.CAPTCHA, Decimal("2000.00"))
    late = refunds.refund_eligibility(order=order, now=START + dt.timedelta(days=6))
    assert not late.refundable and "within 5 days" in late.reason
    CaptchaPack.objects.filter(order=order).update(used=1)
    order.refresh_from_db()
    used = refunds.refund_eligibility(order=order, now=START + dt.timedelta(days=1))
    assert not used.refundable


def test_request_approve_executes_atomically_and_notifies():
    account = fund(AccountFactory(), cash="800")
    used_five_day_right(account)
    order = buy_push(account)
    PushDauDaily.objects.create(app=order.app, day=dt.date(2026, 11, 5), dau=800)
    with time_machine.travel(START + dt.timedelta(days=10), tick=False):
        ticket = refunds.request_refund(
            acting=owner(account), user=account.owner, order=order, reason="Project cancelled"
        )
        with pytest.raises(BillingError, match="already has an open refund"):
            refunds.request_refund(
                acting=owner(account), user=account.owner, order=order, reason="again"
            )
        staff = UserFactory(username="support1", is_staff=True)
        refunds.start_review(ticket=ticket, by=staff)
        refunds.approve(ticket=ticket, by=staff)
    ticket.refresh_from_db()
    account.refresh_from_db()
    order.refresh_from_db()
    app = PushApp.objects.get(pk=order.app_id)
    assert ticket.status == RefundTicket.Status.REFUNDED
    assert ticket.approved_amount == Decimal("533.33")
    assert account.cash_balance == Decimal("533.33")
    assert order.status == Order.Status.REFUNDED
    assert ticket.refund_order.kind == Order.Kind.REFUND
    assert LedgerEntry.objects.filter(account=account, kind="refund").count() == 1
    assert PushSubscription.objects.get(original_order=order).state == "ended"
    assert (app.billing_mode, app.state) == ("trial", "active")  # DAU 800 fits the trial
    actions = list(ticket.events.values_list("action", flat=True))
    assert actions == ["submitted", "review_started", "approved", "refunded"]
    # Submitted, under review, refunded: the approval and the refund are one decision, one notice.
    assert Notice.objects.filter(kind="refund_ticket_update", account=account).count() == 3


def test_app_over_trial_limit_stays_stopped_after_refund():
    account = fund(AccountFactory(), cash="800")
    order = buy_push(account)
    PushDauDaily.objects.create(app=order.app, day=dt.date(2026, 11, 2), dau=5000)
    with time_machine.travel(START + dt.timedelta(days=2), tick=False):
        ticket = refunds.request_refund(
            acting=owner(account), user=account.owner, order=order, reason="r"
        )
        refunds.approve(ticket=ticket, by=UserFactory(username="s2"))
    app = PushApp.objects.get(pk=order.app_id)
    account.refresh_from_db()
    assert (app.state, app.stop_reason) == ("stopped", "refunded")
    assert account.five_day_refund_used_at is not None
    assert account.cash_balance == Decimal("800.00")


@pytest.mark.parametrize(
    ("amount", "reason", "error"),
    [
        ("600.00", "goodwill", "cannot be more than"),
        ("100.00", "", "Give a reason"),
    ],
)
def test_staff_may_refund_less_with_a_reason_never_more(amount, reason, error):
    account = fund(AccountFactory(), cash="800")
    used_five_day_right(account)
    order = buy_push(account)
    with time_machine.travel(START + dt.timedelta(days=10), tick=False):
        ticket = refunds.request_refund(
            acting=owner(account), user=account.owner, order=order, reason="r"
        )
        with pytest.raises(BillingError, match=error):
            refunds.approve(ticket=ticket, by=UserFactory(), amount=Decimal(amount), reason=reason)
        refunds.approve(
            ticket=ticket,
            by=UserFactory(username="s3"),
            amount=Decimal("100.00"),
            reason="abuse suspected",
        )
    ticket.refresh_from_db()
    assert ticket.approved_amount == Decimal("100.00")


def test_reject_needs_a_reason_and_decided_tickets_are_final():
    account = fund(AccountFactory(), cash="800")
    order = buy_push(account)
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        ticket = refunds.request_refund(
            acting=owner(account), user=account.owner, order=order, reason="r"
        )
    staff = UserFactory(username="s4")
    with pytest.raises(BillingError, match="reason"):
        refunds.reject(ticket=ticket, by=staff, reason=" ")
    refunds.reject(ticket=ticket, by=staff, reason="Clearly abusive")
    with pytest.raises(BillingError, match="already decided"):
        refunds.approve(ticket=ticket, by=staff)
    with pytest.raises(BillingError, match="no longer be withdrawn"):
        refunds.withdraw(acting=owner(account), user=account.owner, ticket=ticket)


@pytest.mark.parametrize("role", ["resource", "readonly"])
def test_roles_that_cannot_spend_cannot_request(role):
    account = fund(AccountFactory(), cash="800")
    order = buy_push(account)
    with pytest.raises(BillingError):
        refunds.request_refund(
            acting=Acting(account=account, role=role), user=account.owner, order=order, reason="r"
        )


@pytest.mark.django_db(transaction=True)
def test_two_staff_approving_at_once_produce_one_refund():
    account = fund(AccountFactory(), cash="800")
    order = buy_push(account, at=dt.datetime.now(tz=BILLING_TZ))
    ticket = refunds.request_refund(
        acting=owner(account), user=account.owner, order=order, reason="r"
    )
    a, b = UserFactory(username="sa"), UserFactory(username="sb")
    outcomes = race(
        lambda: refunds.approve(ticket=ticket, by=a),
        lambda: refunds.approve(ticket=ticket, by=b),
        catch=BillingError,
    )
    assert sum(isinstance(o, BillingError) for o in outcomes) == 1
    assert Order.objects.filter(kind="refund").count() == 1
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    account.refresh_from_db()
    assert account.cash_balance == Decimal("800.00")


@pytest.mark.django_db(transaction=True)
def test_approval_racing_a_withdrawal_has_exactly_one_outcome():
    account = fund(AccountFactory(), cash="800")
    order = buy_push(account, at=dt.datetime.now(tz=BILLING_TZ))
    ticket = refunds.request_refund(
        acting=owner(account), user=account.owner, order=order, reason="r"
    )
    staff = UserFactory(username="sc")
    race(
        lambda: refunds.approve(ticket=ticket, by=staff),
        lambda: refunds.withdraw(acting=owner(account), user=account.owner, ticket=ticket),
        catch=BillingError,
    )
    ticket.refresh_from_db()
    refunded = LedgerEntry.objects.filter(kind="refund").count()
    assert (ticket.status, refunded) in {("refunded", 1), ("withdrawn", 0)}
