"""The billing run: postpaid settlement, prepaid lifecycle and arrears, exactly once."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from billing import roles
from billing.models import (
    LedgerEntry,
    Order,
    PostpaidBillLine,
    Product,
    PushApp,
    PushDauDaily,
    PushSubscription,
)
from billing.selectors import Acting
from billing.services import ledger, push
from billing.services.lifecycle import run_due_jobs
from notifications.models import Notice
from tests.factories import AccountFactory, PushAppFactory, fund
from tests.helpers import at, postpaid_app, report

pytestmark = pytest.mark.django_db


def notices(kind):
    return Notice.objects.filter(kind=kind).count()


def test_settles_each_app_day_once_with_loyalty_day_numbers():
    account = fund(AccountFactory(), cash="1000")
    app = postpaid_app(account)
    report(app, "2026-11-01", 40_000)
    report(app, "2026-11-02", 500)  # free, and not a charged day
    report(app, "2026-11-03", 70_000)
    run_due_jobs(now=at("2026-11-04"))
    run_due_jobs(now=at("2026-11-04", 9))  # a second run changes nothing
    lines = list(PostpaidBillLine.objects.filter(app=app).order_by("day"))
    assert [(line.amount, line.charged_day_number) for line in lines] == [
        (Decimal("128.00"), 1),
        (Decimal("0.00"), None),
        (Decimal("224.00"), 2),
    ]
    account.refresh_from_db()
    assert account.cash_balance == Decimal("648.00")
    assert LedgerEntry.objects.filter(account=account, kind="postpaid_charge").count() == 2


def test_yesterday_is_settled_only_after_six():
    account = fund(AccountFactory(), cash="1000")
    app = postpaid_app(account)
    report(app, "2026-11-02", 40_000)
    run_due_jobs(now=at("2026-11-03", 5, 59))
    assert not PostpaidBillLine.objects.exists()
    run_due_jobs(now=at("2026-11-03", 6, 0))
    assert PostpaidBillLine.objects.count() == 1


def test_the_181st_charged_day_gets_the_80_percent_loyalty_discount():
    account = fund(AccountFactory(), cash="1000")
    app = postpaid_app(account, region="singapore", enabled="2026-01-01")
    push_product = Product.objects.get(code="push")
    PostpaidBillLine.objects.bulk_create(
        PostpaidBillLine(
            account=account,
            product=push_product,
            app=app,
            day=dt.date(2026, 1, 1) + dt.timedelta(days=n),
            quantity=20_000,
            charged_day_number=n + 1,
            unit_price="0.00152",
            amount="30.40",
        )
        for n in range(180)
    )
    report(app, "2026-11-01", 70_000)
    run_due_jobs(now=at("2026-11-02"))
    line = PostpaidBillLine.objects.get(app=app, day=dt.date(2026, 11, 1))
    assert (line.charged_day_number, line.amount) == (181, Decimal("85.12"))


def test_days_before_postpaid_was_enabled_and_charity_apps_are_not_charged():
    account = fund(AccountFactory(), cash="1000")
    app = postpaid_app(account, enabled="2026-11-02")
    charity = postpaid_app(account, charity=True)
    report(app, "2026-11-01", 40_000)
    report(charity, "2026-11-01", 40_000)
    run_due_jobs(now=at("2026-11-03"))
    assert not PostpaidBillLine.objects.filter(app=app).exists()
    assert PostpaidBillLine.objects.get(app=charity).amount == Decimal("0.00")
    account.refresh_from_db()
    assert account.cash_balance == Decimal("1000.00")


def test_arrears_then_stop_after_24_hours_then_a_recharge_resumes():
    account = fund(AccountFactory(), cash="100", gift="20")
    app = postpaid_app(account)
    report(app, "2026-11-01", 70_000)  # ¥224: gift 20, cash 100, debt 104
    run_due_jobs(now=at("2026-11-02"))
    account.refresh_from_db()
    line = PostpaidBillLine.objects.get(app=app)
    assert (account.cash_balance, account.gift_balance) == (Decimal("-104.00"), Decimal("0.00"))
    assert line.debt_amount == Decimal("104.00")
    assert account.arrears_since == at("2026-11-02")
    assert notices("arrears") == 1
    run_due_jobs(now=at("2026-11-03", 6, 29))  # 23 h 59 min later: still running
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE
    run_due_jobs(now=at("2026-11-03", 6, 31))
    app.refresh_from_db()
    assert (app.state, app.stop_reason) == ("stopped", "arrears")
    assert notices("arrears_stopped") == 1
    ledger.recharge(account=account, amount=Decimal("104.00"), provider_reference="R1")
    app.refresh_from_db()
    account.refresh_from_db()
    assert (app.state, account.arrears_since) == ("active", None)


def test_days_wholly_inside_an_arrears_stop_are_not_charged_nor_counted():
    account = fund(AccountFactory(), cash="100")
    app = postpaid_app(account)
    report(app, "2026-11-01", 70_000)  # day 1: ¥224, ¥124 of it debt
    run_due_jobs(now=at("2026-11-02"))
    run_due_jobs(now=at("2026-11-03", 6, 31))  # stopped 2026-11-03 06:31
    report(app, "2026-11-03", 5_000)  # stopped part of the day only: charged, day 2
    report(app, "2026-11-04", 5_000)  # stopped all day: not charged
    # Paid off before the 06:00 settlement: the day was still wholly stopped.
    with time_machine.travel(at("2026-11-05", 5, 0), tick=False):
        ledger.recharge(account=account, amount=Decimal("500.00"), provider_reference="R2")
    run_due_jobs(now=at("2026-11-05"))
    lines = {line.day.day: line for line in PostpaidBillLine.objects.filter(app=app)}
    assert (lines[3].charged_day_number, lines[3].amount) == (2, Decimal("32.00"))
    assert (lines[4].charged_day_number, lines[4].amount) == (None, Decimal("0.00"))
    assert lines[4].breakdown[0]["code"] == "push_postpaid_stopped"
    # A later, higher report for the stopped day does not make it billable.
    PushDauDaily.objects.filter(app=app, day="2026-11-04").update(dau=6_000)
    report(app, "2026-11-05", 5_000)  # the day of the resume: charged, day 3
    run_due_jobs(now=at("2026-11-06"))
    assert not PostpaidBillLine.objects.filter(app=app, day="2026-11-04", adjusts__isnull=False)
    line = PostpaidBillLine.objects.get(app=app, day="2026-11-05")
    assert (line.charged_day_number, line.amount) == (3, Decimal("32.00"))


def test_days_after_an_app_was_reclaimed_are_not_billed():
    account = fund(AccountFactory(), cash="10")
    app = postpaid_app(account)
    report(app, "2026-11-01", 70_000)
    run_due_jobs(now=at("2026-11-02"))  # arrears
    run_due_jobs(now=at("2026-11-03", 7))  # stopped
    run_due_jobs(now=at("2026-11-10", 7))  # reclaimed 2026-11-10 07:00
    app.refresh_from_db()
    assert app.state == PushApp.State.DESTROYED
    report(app, "2026-11-12", 70_000)  # reported anyway (the API refuses this)
    run_due_jobs(now=at("2026-11-13"))
    assert not PostpaidBillLine.objects.filter(app=app, day="2026-11-12").exists()


def test_arrears_reclaimed_seven_days_after_the_stop():
    account = fund(AccountFactory(), cash="10")
    app = postpaid_app(account)
    report(app, "2026-11-01", 70_000)
    run_due_jobs(now=at("2026-11-02"))
    run_due_jobs(now=at("2026-11-03", 7, 0))  # stopped at 07:00
    run_due_jobs(now=at("2026-11-10", 6, 59))
    app.refresh_from_db()
    assert app.state == PushApp.State.STOPPED
    run_due_jobs(now=at("2026-11-10", 7, 1))
    app.refresh_from_db()
    assert app.state == PushApp.State.DESTROYED
    assert notices("arrears_reclaimed") == 1


def test_big_customers_are_never_stopped_for_arrears():
    account = fund(AccountFactory(big_customer=True), cash="10")
    app = postpaid_app(account)
    report(app, "2026-11-01", 70_000)
    run_due_jobs(now=at("2026-11-02"))
    run_due_jobs(now=at("2026-11-20"))
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE


def prepaid(account, *, auto_renew=False):
    app = PushAppFactory(account=account, access_point="guangzhou")
    with time_machine.travel(at("2026-11-01", 10, 0), tick=False):
        push.buy_prepaid(
            acting=Acting(account=account, role=roles.OWNER),
            user=account.owner,
            app=app,
            capacity_wan=1,
            months=1,
            idempotency_key=f"buy-{app.pk}",
        )
    subscription = PushSubscription.objects.get(app=app)
    PushSubscription.objects.filter(pk=subscription.pk).update(auto_renew=auto_renew)
    subscription.refresh_from_db()
    return app, subscription  # expires 2026-12-01 10:00


def test_prepaid_reminders_expiry_notices_stop_on_day_8_destroy_on_day_15():
    account = fund(AccountFactory(), cash="800")
    app, subscription = prepaid(account)
    for day in range(24, 31):  # 7..1 days before expiry
        run_due_jobs(now=at(f"2026-11-{day}"))
        run_due_jobs(now=at(f"2026-11-{day}", 20))
    assert notices("push_expiry_reminder") == 7
    run_due_jobs(now=at("2026-12-01", 9))  # before the expiry instant: nothing yet
    assert notices("push_expired") == 0
    for day in range(1, 9):  # 2026-12-01 is day 0, 2026-12-08 day 7
        run_due_jobs(now=at(f"2026-12-0{day}", 11))
    assert notices("push_expired") == 8
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE
    run_due_jobs(now=at("2026-12-09", 0, 1))  # day 8, 00:00
    app.refresh_from_db()
    assert (app.state, app.stop_reason) == ("stopped", "expired")  # day 8
    run_due_jobs(now=at("2026-12-15", 23))
    app.refresh_from_db()
    assert app.state == PushApp.State.STOPPED
    run_due_jobs(now=at("2026-12-16", 0, 5))  # day 15
    app.refresh_from_db()
    subscription.refresh_from_db()
    assert (app.state, subscription.state) == ("destroyed", "ended")
    assert notices("push_stopped") == notices("push_destroyed") == 1


def test_auto_renew_on_the_expiry_day_starts_at_the_old_expiry():
    account = fund(AccountFactory(), cash="1600")
    _app, subscription = prepaid(account, auto_renew=True)
    run_due_jobs(now=at("2026-12-01", 11))
    run_due_jobs(now=at("2026-12-01", 12))
    subscription.refresh_from_db()
    account.refresh_from_db()
    assert subscription.expires_at == at("2027-01-01", 10, 0)
    assert account.cash_balance == Decimal("0.00")
    assert notices("push_expired") == 0


def test_auto_renewal_racing_a_manual_renewal_buys_one_period():
    """The run read the subscription before the customer's renewal committed."""
    from billing.services.lifecycle import _auto_renew

    account = fund(AccountFactory(), cash="1600")
    _app, subscription = prepaid(account, auto_renew=True)
    seen_by_the_run = PushSubscription.objects.get(pk=subscription.pk)
    with time_machine.travel(at("2026-12-01", 11), tick=False):
        push.renew(
            acting=Acting(account=account, role=roles.OWNER),
            user=account.owner,
            subscription=subscription,
            months=1,
            idempotency_key="manual",
        )
    assert _auto_renew(seen_by_the_run, at("2026-12-01", 11, 1)) is False
    subscription.refresh_from_db()
    assert subscription.expires_at == at("2027-01-01", 10, 0)
    assert Order.objects.filter(account=account, kind="renewal").count() == 1


def test_a_failed_auto_renewal_is_retried_after_a_recharge_until_the_stop():
    account = fund(AccountFactory(), cash="800")
    _app, subscription = prepaid(account, auto_renew=True)  # balance now 0
    run_due_jobs(now=at("2026-12-01", 11))  # day 0: not enough balance
    subscription.refresh_from_db()
    assert subscription.expires_at == at("2026-12-01", 10, 0)
    assert notices("push_expired") == 1
    ledger.recharge(account=account, amount=Decimal("800.00"), provider_reference="R3")
    run_due_jobs(now=at("2026-12-03", 11))  # day 2
    run_due_jobs(now=at("2026-12-03", 12))
    subscription.refresh_from_db()
    account.refresh_from_db()
    assert subscription.expires_at == at("2027-01-01", 10, 0)  # from the old expiry
    assert account.cash_balance == Decimal("0.00")
    assert Order.objects.filter(account=account, kind="renewal").count() == 1


def test_failed_auto_renewal_of_a_big_customer_is_advanced_by_the_platform():
    account = fund(AccountFactory(big_customer=True), cash="800")
    _app, subscription = prepaid(account, auto_renew=True)  # balance now 0
    run_due_jobs(now=at("2026-12-01", 11))
    account.refresh_from_db()
    subscription.refresh_from_db()
    assert account.cash_balance == Decimal("-800.00")
    assert subscription.expires_at == at("2027-01-01", 10, 0)
    assert LedgerEntry.objects.filter(account=account, kind="advance").count() == 1


def test_billing_run_command_parses_at_and_refuses_bad_input(capsys):
    with time_machine.travel(at("2026-12-01", 6, 1), tick=False):
        call_command("billing_run", "--at", "2026-12-01T06:00+08:00")
        assert '"at": "2026-12-01T06:00:00+08:00"' in capsys.readouterr().out
        account = fund(AccountFactory(), cash="800")
        _app, subscription = prepaid(account)  # expires 2026-12-01 10:00; day 15 is 12-16
        with pytest.raises(CommandError, match="in the future"):
            call_command("billing_run", "--at", "2026-12-17T06:00+08:00")
        subscription.refresh_from_db()
        assert subscription.state == PushSubscription.State.ACTIVE
    with pytest.raises(CommandError, match="time zone"):
        call_command("billing_run", "--at", "2026-12-01T06:00")
    with pytest.raises(CommandError, match="not an ISO"):
        call_command("billing_run", "--at", "tomorrow")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_produce_the_ledger_of_one():
    account = fund(AccountFactory(), cash="5000")
    apps = [postpaid_app(account) for _ in range(5)]
    for app in apps:
        for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
            report(app, day, 40_000)
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait(timeout=10)
            run_due_jobs(now=at("2026-11-04"))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    account.refresh_from_db()
    assert PostpaidBillLine.objects.count() == 15
    assert LedgerEntry.objects.filter(kind="postpaid_charge").count() == 15
    assert account.cash_balance == Decimal("5000.00") - 15 * Decimal("128.00")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_settles_through_a_real_worker(real_celery):
    from django.utils import timezone

    from billing.days import billing_day
    from billing.tasks import run_billing

    account = fund(AccountFactory(), cash="1000")
    app = postpaid_app(account, enabled="2026-01-01")
    two_days_ago = billing_day(timezone.now()) - dt.timedelta(days=2)  # due whatever the hour
    PushDauDaily.objects.create(app=app, day=two_days_ago, dau=40_000)
    run_billing.delay()
    for _ in range(100):
        if PostpaidBillLine.objects.filter(app=app).exists():
            break
        time.sleep(0.2)
    assert PostpaidBillLine.objects.get(app=app).amount == Decimal("128.00")


def trial_app(account, **kwargs):
    return PushAppFactory(account=account, access_point="shanghai", **kwargs)


def test_trial_stops_over_1000_dau_and_resumes_when_back_within_7_days():
    app = trial_app(AccountFactory())
    report(app, "2026-11-01", 1_500)
    run_due_jobs(now=at("2026-11-01", 12))
    app.refresh_from_db()
    assert (app.state, app.stop_reason) == ("stopped", "trial_over_limit")
    assert notices("push_trial_stopped") == 1
    report(app, "2026-11-05", 900)
    run_due_jobs(now=at("2026-11-05", 12))
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE


def test_trial_not_back_under_the_limit_is_reclaimed_on_day_8_with_its_data():
    from billing.models import DeviceToken, PushRecord

    app = trial_app(AccountFactory())
    DeviceToken.objects.create(app=app, token="t1")
    PushRecord.objects.create(app=app, title="Hello")
    report(app, "2026-11-01", 5_000)
    run_due_jobs(now=at("2026-11-01", 12))
    run_due_jobs(now=at("2026-11-08", 23))  # day 7 after the stop: still kept
    app.refresh_from_db()
    assert app.state == PushApp.State.STOPPED
    run_due_jobs(now=at("2026-11-09", 0, 1))  # the 8th day
    app.refresh_from_db()
    assert app.state == PushApp.State.DESTROYED
    assert not DeviceToken.objects.filter(app=app).exists()
    assert not PushRecord.objects.filter(app=app).exists()
    assert notices("push_trial_reclaimed") == 1


def test_prepaid_app_over_capacity_is_throttled_and_told_once_a_day():
    account = fund(AccountFactory(), cash="800")
    app, _subscription = prepaid(account)  # 1万 capacity
    report(app, "2026-11-02", 12_000)
    run_due_jobs(now=at("2026-11-02", 9))
    run_due_jobs(now=at("2026-11-02", 10))
    app.refresh_from_db()
    assert app.throttled
    assert notices("push_over_capacity") == 1
    report(app, "2026-11-03", 8_000)
    run_due_jobs(now=at("2026-11-03", 9))
    app.refresh_from_db()
    assert not app.throttled


def test_destroy_on_day_15_deletes_resource_data_but_keeps_billing_history():
    from billing.models import DeviceToken, Order, TagBinding

    account = fund(AccountFactory(), cash="800")
    app, _subscription = prepaid(account)
    DeviceToken.objects.create(app=app, token="t1")
    TagBinding.objects.create(app=app, tag="vip", token="t1")
    run_due_jobs(now=at("2026-12-16", 1))
    app.refresh_from_db()
    assert app.state == PushApp.State.DESTROYED
    assert not DeviceToken.objects.filter(app=app).exists()
    assert not TagBinding.objects.filter(app=app).exists()
    assert Order.objects.filter(app=app).count() == 1
