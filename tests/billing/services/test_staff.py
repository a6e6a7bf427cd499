"""Support's actions (billing/services/staff.py): a reason always, audited old → new,
idempotent on a double submit, refused without the permission."""

from decimal import Decimal

import pytest
from django.db import transaction

from billing.errors import BillingError, NotPermitted, QuoteChanged
from billing.models import (
    Account,
    AuditEvent,
    LedgerEntry,
    Order,
    PostpaidBillLine,
    Product,
    PushApp,
    PushSubscription,
    Voucher,
)
from billing.selectors import Acting
from billing.services import push, staff
from billing.services.lifecycle import run_due_jobs
from tests.factories import (
    AccountFactory,
    PushAppFactory,
    SupportFactory,
    UserFactory,
    fund,
)
from tests.helpers import at, postpaid_app, prepaid_order, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    return SupportFactory()


def events(action, **filters):
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def test_stop_needs_a_reason_and_changes_nothing_without_one(support):
    app = PushAppFactory()
    for reason in ("", "   ", "\u202e"):
        with pytest.raises(BillingError):
            staff.stop_app(app=app, by=support, reason=reason)
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE
    assert not AuditEvent.objects.exists()


def test_stop_then_resume_by_hand_is_audited_with_who_why_and_old_new(support):
    app = PushAppFactory()
    assert staff.stop_app(app=app, by=support, reason="Spam complaints, ticket 42") is True
    assert staff.stop_app(app=app, by=support, reason="double submit") is False
    app.refresh_from_db()
    assert (app.state, app.stop_reason) == ("stopped", "staff")
    (stopped,) = events("app_stopped")
    assert (stopped.actor, stopped.actor_label) == (support, support.email)
    assert (stopped.old_value, stopped.new_value) == ("active", "stopped")
    assert stopped.reason == "Spam complaints, ticket 42"
    assert stopped.account_id == app.account_id
    assert app.stops.get().ended_at is None

    assert staff.resume_app(app=app, by=support, reason="Customer fixed it") is True
    assert staff.resume_app(app=app, by=support, reason="again") is False
    app.refresh_from_db()
    assert (app.state, app.stop_reason) == ("active", "")
    (resumed,) = events("app_resumed")
    assert (resumed.old_value, resumed.new_value, resumed.reason) == (
        "stopped",
        "active",
        "Customer fixed it",
    )
    assert app.stops.get().ended_at is not None


@pytest.mark.parametrize(
    "user",
    [
        lambda: UserFactory(),  # a customer
        lambda: UserFactory(is_staff=True),  # staff outside the Support group
        lambda: None,
    ],
)
def test_every_staff_action_is_refused_without_the_permission(user):
    who = user()
    app = postpaid_app(fund(AccountFactory(), cash="100"))
    account = app.account
    calls = [
        lambda: staff.stop_app(app=app, by=who, reason="r"),
        lambda: staff.resume_app(app=app, by=who, reason="r"),
        lambda: staff.set_big_customer(account=account, big_customer=True, by=who, reason="r"),
        lambda: staff.set_captcha_postpaid(account=account, enabled=True, by=who, reason="r"),
        lambda: staff.set_charity(app=app, charity=True, by=who, reason="r"),
        lambda: staff.switch_to_prepaid(
            app=app, capacity_wan=1, months=1, by=who, reason="r", idempotency_key="k"
        ),
        lambda: staff.set_sale_status(
            product=Product.objects.get(code="push"),
            status=Product.SaleStatus.CLOSED_TO_NEW,
            by=who,
            reason="r",
        ),
    ]
    for call in calls:
        with pytest.raises(NotPermitted):
            call()
    assert not AuditEvent.objects.exists()
    account.refresh_from_db()
    assert not account.big_customer


def test_support_cannot_close_a_product_but_a_superuser_can_with_a_reason(support):
    product = Product.objects.get(code="push")
    with pytest.raises(NotPermitted):
        staff.set_sale_status(
            product=product, status=Product.SaleStatus.CLOSED_TO_NEW, by=support, reason="r"
        )
    boss = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(BillingError):
        staff.set_sale_status(product=product, status="closed_to_new", by=boss, reason="")
    assert staff.set_sale_status(
        product=product, status="closed_to_new", by=boss, reason="Product retired"
    )
    assert not staff.set_sale_status(
        product=product, status="closed_to_new", by=boss, reason="again"
    )
    product.refresh_from_db()
    assert product.sale_status == "closed_to_new"
    (event,) = events("sale_status_changed")
    assert (event.old_value, event.new_value, event.account) == ("on_sale", "closed_to_new", None)


def test_flags_are_audited_and_a_repeat_is_a_no_op(support):
    account = AccountFactory()
    app = PushAppFactory(account=account)
    assert staff.set_big_customer(account=account, big_customer=True, by=support, reason="Contract")
    assert not staff.set_big_customer(account=account, big_customer=True, by=support, reason="x")
    assert staff.set_charity(app=app, charity=True, by=support, reason="Red Cross app")
    assert staff.set_captcha_postpaid(account=account, enabled=True, by=support, reason="Asked")
    assert not staff.set_captcha_postpaid(account=account, enabled=True, by=support, reason="x")
    account.refresh_from_db()
    app.refresh_from_db()
    assert account.big_customer and app.charity
    assert account.captcha_postpaid == Account.CaptchaPostpaid.ON
    changes = [
        (e.action, e.old_value, e.new_value, e.reason) for e in AuditEvent.objects.order_by("id")
    ]
    assert changes == [
        ("big_customer_changed", False, True, "Contract"),
        ("charity_changed", False, True, "Red Cross app"),
        ("captcha_postpaid_changed", "off", "on", "Asked"),
    ]


def test_captcha_postpaid_needs_a_verified_account(support):
    account = AccountFactory(verification_state=Account.Verification.UNVERIFIED)
    with pytest.raises(BillingError):
        staff.set_captcha_postpaid(account=account, enabled=True, by=support, reason="Asked")
    account.refresh_from_db()
    assert account.captcha_postpaid == Account.CaptchaPostpaid.OFF


def test_voucher_grant_is_audited(support):
    account = AccountFactory()
    voucher = Voucher(
        account=account,
        code="SORRY100",
        amount=Decimal("100"),
        expires_at=at("2027-01-01"),
    )
    staff.grant_voucher(voucher=voucher, by=support, reason="Outage on 11-30")
    (event,) = events("voucher_granted")
    assert (event.new_value, event.reason, event.account) == ("¥100.00", "Outage on 11-30", account)
    with pytest.raises(BillingError):
        staff.grant_voucher(voucher=voucher, by=support, reason="again")


def stopped_on_day_8(account):
    """A one-month 1万 Guangzhou app bought 2026-11-01 10:00, stopped on day 8 (2026-12-09)."""
    order = prepaid_order(account, now=at("2026-11-01", 10, 0))
    run_due_jobs(now=at("2026-12-09", 0, 5))
    app = PushApp.objects.get(pk=order.app_id)
    assert (app.state, app.stop_reason) == ("stopped", "expired")
    return app, PushSubscription.objects.get(app=app, state="active")


def test_only_support_renews_after_the_day_8_stop_and_the_app_resumes(support):
    account = fund(AccountFactory(), cash="1600")
    app, subscription = stopped_on_day_8(account)
    with pytest.raises(BillingError):
        push.renew(
            acting=Acting(account=account, role="owner", user=account.owner),
            user=account.owner,
            subscription=subscription,
            months=1,
            idempotency_key="customer-try",
            now=at("2026-12-10"),
        )
    with pytest.raises(BillingError):
        staff.renew_for_customer(
            subscription=subscription, months=1, by=support, reason="", idempotency_key="k1"
        )
    with pytest.raises(QuoteChanged):
        staff.renew_for_customer(
            subscription=subscription,
            months=1,
            by=support,
            reason="Customer called, ticket 7",
            idempotency_key="k0",
            expected_total=Decimal("1.00"),
            now=at("2026-12-10"),
        )
    assert Order.objects.filter(kind="renewal").count() == 0
    first = staff.renew_for_customer(
        subscription=subscription,
        months=1,
        by=support,
        reason="Customer called, ticket 7",
        idempotency_key="k1",
        expected_total=Decimal("800.00"),
        now=at("2026-12-10"),
    )
    again = staff.renew_for_customer(
        subscription=subscription,
        months=1,
        by=support,
        reason="Customer called, ticket 7",
        idempotency_key="k1",
        now=at("2026-12-10"),
    )
    assert again.order == first.order and not again.created
    assert first.order.total == Decimal("800.00") and first.order.created_by == support
    app.refresh_from_db()
    subscription.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE
    assert subscription.expires_at == at("2027-01-01", 10, 0)  # from the old expiry, no gap
    account.refresh_from_db()
    assert account.cash_balance == Decimal("0.00")
    (renewal,) = events("staff_renewal")
    assert renewal.actor == support and first.order.number in renewal.reason
    resumed = events("app_resumed")[-1]
    assert (resumed.actor, resumed.new_value) == (support, "active")
    # Not destroyed on day 15 any more.
    run_due_jobs(now=at("2026-12-16", 0, 5))
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE


def test_a_destroyed_app_cannot_be_renewed_or_resumed(support):
    account = fund(AccountFactory(), cash="1600")
    app, subscription = stopped_on_day_8(account)
    run_due_jobs(now=at("2026-12-16", 0, 5))
    subscription.refresh_from_db()
    with pytest.raises(BillingError):
        staff.renew_for_customer(
            subscription=subscription, months=1, by=support, reason="late", idempotency_key="k"
        )
    with pytest.raises(BillingError):
        staff.resume_app(app=app, by=support, reason="late")
    assert Order.objects.filter(kind="renewal").count() == 0


def test_an_expired_stop_is_not_resumed_by_hand_it_is_renewed(support):
    app, _subscription = stopped_on_day_8(fund(AccountFactory(), cash="800"))
    with pytest.raises(BillingError, match="renew"):
        staff.resume_app(app=app, by=support, reason="please")
    app.refresh_from_db()
    assert app.state == PushApp.State.STOPPED


def test_arrears_stop_is_not_resumed_by_hand_while_in_debt(support):
    account = fund(AccountFactory(), cash="10")
    app = postpaid_app(account)
    report(app, "2026-11-01", 70_000)
    run_due_jobs(now=at("2026-11-02"))
    run_due_jobs(now=at("2026-11-03", 7))
    app.refresh_from_db()
    assert app.stop_reason == "arrears"
    with pytest.raises(BillingError, match="arrears"):
        staff.resume_app(app=app, by=support, reason="please")


def test_switch_postpaid_to_prepaid_bills_days_before_today_postpaid_and_today_prepaid(support):
    account = fund(AccountFactory(), cash="5000")
    app = postpaid_app(account, enabled="2026-11-01")
    for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
        report(app, day, 20_000)
    run_due_jobs(now=at("2026-11-02"))  # 11-01 billed
    switched_at = at("2026-11-03", 4, 0)  # before 06:00: 11-02 not billed yet
    with pytest.raises(BillingError):
        staff.switch_to_prepaid(
            app=app, capacity_wan=1, months=1, by=support, reason="", idempotency_key="s"
        )
    bought = staff.switch_to_prepaid(
        app=app,
        capacity_wan=1,
        months=1,
        by=support,
        reason="Customer wants a fixed monthly bill",
        idempotency_key="s",
        now=switched_at,
    )
    again = staff.switch_to_prepaid(
        app=app,
        capacity_wan=1,
        months=1,
        by=support,
        reason="Customer wants a fixed monthly bill",
        idempotency_key="s",
        now=switched_at,
    )
    assert again.order == bought.order and not again.created
    app.refresh_from_db()
    assert app.billing_mode == PushApp.BillingMode.PREPAID
    report(app, "2026-11-04", 20_000)
    run_due_jobs(now=at("2026-11-05"))
    billed = sorted(str(day) for day in PostpaidBillLine.objects.values_list("day", flat=True))
    assert billed == ["2026-11-01", "2026-11-02"]  # 11-03 on is prepaid
    (mode,) = events("billing_mode_changed", subject_id=app.pk)
    assert (mode.old_value, mode.new_value, mode.actor) == ("postpaid", "prepaid", support)
    assert "fixed monthly bill" in mode.reason
    with pytest.raises(BillingError):
        staff.switch_to_prepaid(
            app=app, capacity_wan=1, months=1, by=support, reason="again", idempotency_key="s2"
        )


def test_a_customer_still_cannot_switch_a_postpaid_app_in_the_console():
    account = fund(AccountFactory(), cash="2000")
    app = postpaid_app(account)
    with pytest.raises(BillingError, match="contact support"):
        push.buy_prepaid(
            acting=Acting(account=account, role="owner", user=account.owner),
            user=account.owner,
            app=app,
            capacity_wan=1,
            months=1,
            idempotency_key="k",
        )
    assert not LedgerEntry.objects.filter(kind="payment").exists()


def test_staff_actions_are_durable_top_level_transactions(support):
    app = PushAppFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        staff.stop_app(app=app, by=support, reason="inside another transaction")
