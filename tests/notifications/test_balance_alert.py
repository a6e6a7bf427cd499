"""The balance alert (SPEC.md §1): once below the threshold, again only after rising above it."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction

from billing.models import Account
from billing.services import ledger
from notifications.kinds import Kind
from notifications.models import Notice
from tests.factories import AccountFactory, UserFactory

DAY_1 = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)  # 11:00 in Asia/Shanghai


def _move(account: Account, amount: str, *, key: str) -> Account:
    staff = UserFactory(username="alert-staff", is_staff=True)
    ledger.adjust_balance(
        account=account,
        cash=Decimal(amount),
        gift=Decimal("0"),
        reason="test",
        by=staff,
        idempotency_key=key,
    )
    account.refresh_from_db()
    return account


def _alerts(account) -> list[Notice]:
    return list(Notice.objects.filter(account=account, kind=Kind.BALANCE_ALERT).order_by("day"))


@pytest.fixture
def funded():
    with time_machine.travel(DAY_1, tick=False):
        account = AccountFactory(balance_alert_threshold=Decimal("100.00"))
        return _move(account, "500", key="fund")


@pytest.mark.django_db
def test_falling_below_alerts_once_then_stays_quiet(funded, django_capture_on_commit_callbacks):
    with time_machine.travel(DAY_1, tick=False), django_capture_on_commit_callbacks(execute=True):
        account = _move(funded, "-450", key="spend-1")  # 50 < 100
        assert account.balance_alert_sent
        (alert,) = _alerts(account)
        assert alert.context["available_balance"] == Decimal("50.00")
        assert alert.context["threshold"] == Decimal("100.00")
        assert alert.day == dt.date(2026, 3, 2)
        assert alert.deliveries.count() == 2  # owner: email + in-site

    with time_machine.travel(DAY_1 + dt.timedelta(days=1), tick=False):
        _move(account, "-10", key="spend-2")  # still below, next day: no new alert
        _move(account, "20", key="topup-small")  # 60: still below
    assert len(_alerts(account)) == 1


@pytest.mark.django_db
def test_rising_above_re_arms_and_falling_again_alerts_again(funded):
    with time_machine.travel(DAY_1, tick=False):
        account = _move(funded, "-450", key="spend-1")
    with time_machine.travel(DAY_1 + dt.timedelta(days=1), tick=False):
        account = _move(account, "100", key="recharge")  # 150 > 100
        assert not account.balance_alert_sent
        assert len(_alerts(account)) == 1
    with time_machine.travel(DAY_1 + dt.timedelta(days=2), tick=False):
        account = _move(account, "-80", key="spend-2")  # 70 < 100
    alerts = _alerts(account)
    assert [alert.day for alert in alerts] == [dt.date(2026, 3, 2), dt.date(2026, 3, 4)]
    assert alerts[1].context["available_balance"] == Decimal("70.00")
    assert account.balance_alert_sent


@pytest.mark.django_db
def test_exactly_at_the_threshold_neither_alerts_nor_re_arms(funded):
    with time_machine.travel(DAY_1, tick=False):
        account = _move(funded, "-400", key="to-threshold")  # exactly 100
        assert _alerts(account) == [] and not account.balance_alert_sent
        account = _move(account, "-1", key="below")
        account = _move(account, "1", key="back-to-threshold")  # 100: not above
        assert account.balance_alert_sent
    assert len(_alerts(account)) == 1


@pytest.mark.django_db
def test_a_second_crossing_on_the_same_day_is_not_told_twice(funded):
    """SPEC.md §3: at most once per (subject, kind, day), so one balance alert a day at most."""
    with time_machine.travel(DAY_1, tick=False):
        account = _move(funded, "-450", key="spend-1")
        account = _move(account, "100", key="recharge")
        account = _move(account, "-80", key="spend-2")
    assert len(_alerts(account)) == 1
    assert account.balance_alert_sent


@pytest.mark.django_db
def test_no_threshold_no_alert():
    with time_machine.travel(DAY_1, tick=False):
        account = AccountFactory(balance_alert_threshold=None)
        with transaction.atomic():  # a postpaid charge the balance cannot cover
            locked = ledger.lock_account(account.pk)
            ledger.post_entry(account=locked, kind="postpaid_charge", cash=Decimal("-10"))
    assert _alerts(account) == []
