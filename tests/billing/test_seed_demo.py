"""The demo data `make run` loads: complete, billed once, and safe to load again."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
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


def test_demo_staff_can_sign_in_with_the_printed_two_factor_code(client):
    call_command("seed_demo")
    out = io.StringIO()
    call_command("totp_code", "support@example.com", stdout=out)
    code = out.getvalue().split()[0]
    client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": "support@example.com", "password": "demo-support-2026"},
        REMOTE_ADDR="10.250.1.1",
    )
    done = client.post(reverse("mfa_authenticate"), {"code": code})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_totp_code_refuses_a_user_without_an_authenticator():
    with pytest.raises(CommandError, match="no two-factor authenticator"):
        call_command("totp_code", "nobody@example.com")
