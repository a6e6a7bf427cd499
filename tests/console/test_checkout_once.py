"""SPEC §1: paying the same checkout twice (double click, Back then Pay, two tabs, a replayed
POST) creates one order; a new purchase of the same item is an explicit choice."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import LedgerEntry, Order
from tests.factories import AccountFactory, fund
from tests.helpers import checkout_fields

pytestmark = pytest.mark.django_db

PACK = "captcha-count-1m"


@pytest.fixture
def owner(client):
    account = fund(AccountFactory(), cash="10000")
    client.force_login(account.owner)
    client.account = account
    return client


def url():
    return reverse("console:captcha_buy", args=[PACK])


def payments(account):
    return LedgerEntry.objects.filter(account=account, kind="payment").count()


def test_back_then_pay_returns_the_first_receipt_and_charges_once(owner):
    first = owner.post(url(), checkout_fields(owner.get(url())))
    order = Order.objects.get()
    assert first["Location"] == reverse("console:receipt", args=[order.number])
    back = owner.get(url())  # the browser's Back re-renders the checkout
    assert 'data-testid="already-paid"' in back.text and order.number in back.text
    again = owner.post(url(), checkout_fields(back))
    assert again["Location"] == first["Location"]
    assert Order.objects.count() == 1 and payments(owner.account) == 1


def test_two_tabs_pay_once(owner):
    tab_one, tab_two = checkout_fields(owner.get(url())), checkout_fields(owner.get(url()))
    assert tab_one == tab_two
    owner.post(url(), tab_one)
    owner.post(url(), tab_two)
    assert Order.objects.count() == 1
    owner.account.refresh_from_db()
    assert owner.account.cash_balance == Decimal("10000") - Order.objects.get().total


def test_a_new_purchase_of_the_same_item_is_an_explicit_choice(owner):
    owner.post(url(), checkout_fields(owner.get(url())))
    fresh = owner.get(url() + "?new=1")
    assert fresh.status_code == 302 and fresh["Location"] == url()
    page = owner.get(url())
    assert 'data-testid="already-paid"' not in page.text
    owner.post(url(), checkout_fields(page))
    assert Order.objects.count() == 2 and payments(owner.account) == 2


def test_another_item_is_another_checkout(owner):
    one = checkout_fields(owner.get(url()))
    other = checkout_fields(owner.get(reverse("console:captcha_buy", args=["captcha-count-2m"])))
    assert one["idempotency_key"] != other["idempotency_key"]
