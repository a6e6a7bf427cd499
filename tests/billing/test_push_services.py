"""Push purchase rules that live in the services (the console tests cover the pages)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from billing import roles
from billing.days import BILLING_TZ
from billing.models import PushSubscription
from billing.selectors import Acting
from billing.services import push
from tests.factories import AccountFactory, PushAppFactory, fund

pytestmark = pytest.mark.django_db


def test_upgrade_uses_the_original_orders_duration_band_after_a_renewal():
    """SPEC.md §3 Upgrade Decision: a 12-month original order keeps the 1-year band even
    after a 1-month renewal."""
    account = fund(AccountFactory(), cash="2000000")
    acting = Acting(account=account, role=roles.OWNER)
    app = PushAppFactory(account=account, access_point="singapore")
    start = dt.datetime(2026, 1, 1, 10, tzinfo=BILLING_TZ)
    with time_machine.travel(start, tick=False):
        push.buy_prepaid(
            acting=acting,
            user=account.owner,
            app=app,
            capacity_wan=60,
            months=12,
            idempotency_key="buy",
        )
        subscription = PushSubscription.objects.get(app=app)
        push.renew(
            acting=acting,
            user=account.owner,
            subscription=subscription,
            months=1,
            idempotency_key="renew",
        )
    subscription.refresh_from_db()
    assert subscription.months == 1  # auto-renewal repeats the latest period
    with time_machine.travel(start + dt.timedelta(days=30), tick=False):
        upgrade = push.upgrade(
            acting=acting,
            user=account.owner,
            subscription=subscription,
            to_capacity_wan=100,
            idempotency_key="upgrade",
        ).order
    # Both capacities in the 50万-199万 band, 1-year band (0.65): (100 − 60) × 400 × 0.65
    # = ¥10,400 a month; remaining days 2026-01-31 → 2027-02-01 = 366.
    expected = (Decimal(10400) * 366 * 12 / 365).quantize(Decimal("0.01"))
    assert upgrade.total == expected


def test_renewal_is_priced_at_the_capacity_of_the_locked_subscription():
    account = fund(AccountFactory(), cash="100000")
    acting = Acting(account=account, role=roles.OWNER)
    app = PushAppFactory(account=account, access_point="guangzhou")
    push.buy_prepaid(
        acting=acting, user=account.owner, app=app, capacity_wan=1, months=1, idempotency_key="b"
    )
    stale = PushSubscription.objects.get(app=app)
    PushSubscription.objects.filter(pk=stale.pk).update(capacity_wan=3)  # upgraded meanwhile
    order = push.renew(
        acting=acting, user=account.owner, subscription=stale, months=1, idempotency_key="r"
    ).order
    assert (order.capacity_wan, order.total) == (3, Decimal("2400.00"))
