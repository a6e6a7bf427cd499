import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from billing import roles
from billing.models import Account, PushApp
from billing.selectors import Acting
from billing.services import captcha, push
from tests.factories import AccountFactory, PushAppFactory, fund

pytestmark = pytest.mark.django_db


def test_overview_shows_balance_products_and_arrears(client):
    account = fund(AccountFactory(), cash="10", gift="5")
    PushAppFactory(account=account, state="stopped", stop_reason="arrears")
    Account.objects.filter(pk=account.pk).update(cash_balance=-20)
    client.force_login(account.owner)
    page = client.get(reverse("console:overview")).content.decode()
    assert "in arrears" in page and "¥20.00 is owed" in page
    assert "1 stopped" in page


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("console:overview"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_overview_lists_live_packs_and_what_expires_within_7_days(client):
    account = fund(AccountFactory(), gift="50")
    captcha.claim_trial(acting=Acting(account=account, role=roles.OWNER))
    client.force_login(account.owner)
    page = client.get(reverse("console:overview")).content.decode()
    assert "20,000" in page and "Free trial pack" in page
    assert "Nothing expires in the next 7 days." not in page
    assert "¥50.00" in page


def test_overview_without_products_or_debt(client):
    client.force_login(AccountFactory().owner)
    page = client.get(reverse("console:overview")).content.decode()
    assert "in arrears" not in page
    assert "Nothing expires in the next 7 days." in page and "No push apps yet." in page


def test_a_debt_shows_the_minus_before_the_currency(client):
    from billing.models import LedgerEntry
    from billing.services import ledger

    account = AccountFactory()
    with transaction.atomic():
        locked = ledger.lock_account(account.pk)
        ledger.post_entry(
            account=locked, kind=LedgerEntry.Kind.POSTPAID_CHARGE, cash=Decimal("-3999.50")
        )
    client.force_login(account.owner)
    page = client.get(reverse("console:overview")).content.decode()
    assert "−¥3,999.50" in page and "¥-" not in page


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("console/favicon.svg")


def test_the_overview_offers_only_what_can_be_done(client):
    """Issue 11: a stopped app is not 'expiring' with a Renew button; a big customer in arrears is
    not told its services stop; others are told when."""
    account = fund(AccountFactory(), cash="5000")
    app = PushAppFactory(account=account)
    push.buy_prepaid(
        acting=Acting(account=account, role="owner"),
        user=account.owner,
        app=app,
        capacity_wan=1,
        months=1,
        idempotency_key="k",
        now=timezone.now() - dt.timedelta(days=40),  # expired 9 or 10 days ago
    )
    PushApp.objects.filter(pk=app.pk).update(state=PushApp.State.STOPPED, stop_reason="expired")
    client.force_login(account.owner)
    page = client.get("/").text
    assert 'data-testid="expiring-subscription"' not in page
    detail = client.get(reverse("console:push_app", args=[app.pk])).text
    assert 'data-testid="upgrade-disabled"' in detail
    assert reverse("console:push_upgrade", args=[app.pk]) + '"' not in detail

    since = timezone.now() - dt.timedelta(hours=2)
    Account.objects.filter(pk=account.pk).update(cash_balance=Decimal("-10"), arrears_since=since)
    page = client.get("/").text
    assert "Postpaid services stop at" in page
    Account.objects.filter(pk=account.pk).update(big_customer=True)
    page = client.get("/").text
    assert "As a big customer your services keep running" in page
    assert "services stop" not in page
