"""A verified customer claims the CAPTCHA trial, buys a count pack and a top-up pack, recharges."""

import re

import pytest
from playwright.sync_api import expect

from billing.models import LedgerEntry
from tests.e2e.helpers import sign_in
from tests.factories import AccountFactory, fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def buy(page, live_server, code, screenshot=None):
    page.goto(f"{live_server.url}/captcha/")
    page.get_by_test_id(f"buy-{code}").click()
    if screenshot:
        screenshot("captcha-checkout")
    page.get_by_test_id("pay").click()
    expect(page.get_by_text("Payment successful")).to_be_visible()


def test_trial_count_pack_top_up_and_recharge(live_server, page, screenshot):
    account = fund(AccountFactory(name="Acme Login Ltd"), cash="2500", gift="300")
    sign_in(page, live_server, email=account.owner.email)

    page.goto(f"{live_server.url}/captcha/")
    expect(page.get_by_test_id("topup-blocker")).to_be_visible()
    page.get_by_role("button", name="Claim the free trial").click()
    expect(page.get_by_text("Free trial claimed")).to_be_visible()

    buy(page, live_server, "captcha-count-1m", screenshot)
    screenshot("captcha-receipt")
    receipt_total = page.get_by_test_id("receipt-total")
    expect(receipt_total).to_have_text("¥2,000.00")
    expect(page.get_by_text("¥2000.00")).to_have_count(0)  # every figure is grouped
    # Gift credit went first (¥300), so ¥800 cash is left: the ¥1,000 top-up is ¥200 short.
    page.goto(f"{live_server.url}/captcha/")
    page.get_by_test_id("buy-captcha-topup-200k").click()
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("checkout-error")).to_contain_text("¥200.00 more is needed")
    screenshot("checkout-insufficient")
    assert LedgerEntry.objects.filter(account=account, kind="payment").count() == 1

    page.goto(f"{live_server.url}/captcha/")
    expect(page.get_by_test_id("available-verifications")).to_have_text("1,020,000")
    screenshot("captcha")

    # The top-up failed for want of balance: recharge through the sandbox, then buy it.
    page.goto(f"{live_server.url}/balance/")
    page.get_by_label("Amount (¥)").fill("1000")
    page.get_by_role("button", name="Recharge").click()
    expect(page.get_by_test_id("sandbox-amount")).to_have_text("¥1,000.00")
    screenshot("sandbox-payment")
    page.get_by_role("button", name="Pay (sandbox)").click()
    expect(page.get_by_text("Recharge of ¥1,000.00 received.")).to_be_visible()

    buy(page, live_server, "captcha-topup-200k")
    page.goto(f"{live_server.url}/captcha/")
    expect(page.get_by_test_id("available-verifications")).to_have_text("1,220,000")
    screenshot("captcha-stacked")

    page.goto(f"{live_server.url}/balance/")
    ledger = page.get_by_test_id("ledger")
    expect(ledger.get_by_text("Payment", exact=True)).to_have_count(2)
    expect(ledger.get_by_text("Recharge", exact=True)).to_have_count(1)
    expect(ledger.get_by_text("CAPTCHA · Top-up pack · 200,000 verifications")).to_have_count(1)
    expect(ledger.get_by_text(re.compile(r"^Payment reference \S+$"))).to_have_count(1)
    screenshot("balance")
    page.goto(f"{live_server.url}/orders/")
    orders = page.get_by_test_id("orders-table")
    expect(orders.get_by_role("link")).to_have_count(2)
    screenshot("orders")
    # Filters swap only the table over HTMX, push a bookmarkable URL, and Back undoes them.
    page.get_by_label("Product").select_option("push")
    expect(page).to_have_url(
        f"{live_server.url}/orders/?tab=prepaid&product=push&status=&since=&until="
    )
    expect(orders.get_by_text("No orders match.")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/orders/")
    expect(page.get_by_test_id("orders-table").get_by_role("link")).to_have_count(2)

    page.get_by_test_id("orders-table").get_by_role("link").last.click()
    expect(page.get_by_test_id("payment-split")).to_contain_text("¥300.00")
    screenshot("order-detail")
    page.goto(f"{live_server.url}/")
    screenshot("overview")


def test_back_then_pay_double_click_and_two_tabs_make_one_order(live_server, page, context):
    account = fund(AccountFactory(name="Once Ltd"), cash="10000")
    sign_in(page, live_server, email=account.owner.email)
    page.goto(f"{live_server.url}/captcha/")
    page.get_by_test_id("buy-captcha-count-1m").click()
    checkout_url = page.url
    second_tab = context.new_page()
    second_tab.goto(checkout_url)
    page.get_by_test_id("pay").dblclick()
    expect(page.get_by_text("Payment successful")).to_be_visible()
    receipt_url = page.url

    page.go_back()
    expect(page.get_by_test_id("already-paid")).to_be_visible()
    page.get_by_test_id("pay").click()
    page.wait_for_url(receipt_url)
    second_tab.get_by_test_id("pay").click()
    second_tab.wait_for_url(receipt_url)
    assert LedgerEntry.objects.filter(account=account, kind="payment").count() == 1

    # Buying it again is a choice the page offers, and it is a second order.
    page.go_back()
    page.get_by_test_id("new-purchase").click()
    expect(page.get_by_test_id("already-paid")).to_have_count(0)
    page.get_by_test_id("pay").click()
    expect(page.get_by_text("Payment successful")).to_be_visible()
    assert LedgerEntry.objects.filter(account=account, kind="payment").count() == 2
