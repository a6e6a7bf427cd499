"""The demo data `make run` loads: complete, billed once, and safe to load again."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.days import billing_day
from billing.models import Account, LedgerEntry, Order, PostpaidBillLine
from billing.services.settlement import push_settlement_through

pytestmark = pytest.mark.django_db


def test_demo_data_loads_twice_without_duplicating_anything():
    call_command("seed_demo")
    alice = Account.objects.get(name="Alice Games Ltd")
    counts = (
        Order.objects.filter(account=alice).count(),
        LedgerEntry.objects.filter(account=alice).count(),
        PostpaidBillLine.objects.filter(account=alice).count(),
    )
    # The week of the postpaid app's usage is billed by the first billing run, as far as it is
    # due: yesterday only after 06:00 (Asia/Shanghai).
    today = billing_day(timezone.now())
    due = 7 if push_settlement_through(timezone.now()) == today - dt.timedelta(days=1) else 6
    assert counts[2] == due
    assert alice.verification_state == Account.Verification.VERIFIED
    call_command("seed_demo")
    assert (
        Order.objects.filter(account=alice).count(),
        LedgerEntry.objects.filter(account=alice).count(),
        PostpaidBillLine.objects.filter(account=alice).count(),
    ) == counts
