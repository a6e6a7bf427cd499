"""A customer creates a push app, watches the live price, buys, upgrades and turns on auto-renew."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import expect

from billing.days import add_months_to_instant, billing_day
from billing.models import (
    CaptchaPack,
    LedgerEntry,
    Order,
    PushApp,
    PushDauDaily,
    PushSubscription,
)
from billing.selectors import Acting
from billing.services import push as push_services
from tests.e2e.helpers import sign_in
from tests.factories import AccountFactory, PushAppFactory, fund, sku

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_create_buy_upgrade_and_auto_renew(live_server, page, screenshot):
    account = fund(AccountFactory(name="Galaxy Games Ltd"), cash="100000")
    # A second prepaid app, bought earlier, so auto-renew can be turned on for two at once.
    older = PushAppFactory(account=account, name="Older app", access_point="guangzhou")
    push_services.buy_prepaid(
        acting=Acting(account=account, role="owner"),
        user=account.owner,
        app=older,
        capacity_wan=2,
        months=3,
        idempotency_key="setup-older",
    )
    PushAppFactory(account=account, name="Trial app", platform="ios", access_point="shanghai")

    sign_in(page, live_server, email=account.owner.email)
    page.get_by_role("link", name="Mobile Push").click()
    expect(page.get_by_role("heading", name="Mobile Push")).to_be_visible()

    # Create an Android app in Singapore; the form opens in place and the table refreshes.
    page.get_by_test_id("create-app").click()
    form = page.get_by_test_id("create-app-form")
    expect(form.get_by_text("can never be changed")).to_be_visible()
    form.locator("label[for=platform-android]").click()
    form.get_by_label("App name").fill("Galaxy Quest")
    form.locator("label[for=ap-singapore]").click()
    screenshot("push-create")
    form.get_by_test_id("create-submit").click()
    row = page.locator("[data-testid=app-row][data-app='Galaxy Quest']")
    expect(row).to_be_visible()
    expect(page.locator(".toast").filter(has_text="Galaxy Quest")).to_be_visible()
    expect(page.get_by_test_id("create-app-form")).to_have_count(0)
    app = PushApp.objects.get(account=account, name="Galaxy Quest")
    assert (app.platform, app.access_point) == ("android", "singapore")
    expect(row).to_contain_text(app.access_id)
    expect(row.get_by_test_id("mode-badge")).to_have_text("Trial")
    screenshot("push-list")

    # Postpaid for the trial app: the prices and the no-cancel rule come before the button.
    page.get_by_role("checkbox", name="Select Trial app").check()
    page.get_by_test_id("enable-postpaid").click()
    expect(page.get_by_test_id("postpaid-prices")).to_contain_text("¥32.00 fixed")
    expect(page.get_by_test_id("loyalty-table")).to_contain_text("80%")
    expect(page.get_by_test_id("postpaid-submit")).to_have_text("Enable postpaid for 1 app")
    screenshot("push-postpaid")
    page.get_by_label("I understand the prices shown").check()
    page.get_by_test_id("postpaid-submit").click()
    expect(page.get_by_text("Postpaid is enabled for 1 app: Trial app.")).to_be_visible()
    trial_row = page.locator("[data-testid=app-row][data-app='Trial app']")
    expect(trial_row.get_by_test_id("mode-badge")).to_have_text("Postpaid")
    row = page.locator("[data-testid=app-row][data-app='Galaxy Quest']")

    # Live price: it follows the capacity and the duration without a page load.
    row.get_by_test_id("buy-prepaid").click()
    page.wait_for_load_state()  # htmx must be listening before the form is typed into
    expect(page.get_by_role("heading", name="Buy prepaid service")).to_be_visible()
    total = page.get_by_test_id("preview-total")
    expect(total).to_have_text("¥400.00")
    page.get_by_test_id("capacity").fill("10")
    expect(total).to_have_text("¥4,000.00")
    expect(page.get_by_test_id("preview-formula")).to_contain_text("¥400.00 × 10万 × 1 month")
    page.locator("label[for=months-6]").click()
    expect(total).to_have_text("¥24,000.00")
    page.get_by_test_id("capacity").fill("60")
    expect(total).to_have_text("¥115,200.00")  # 60 × 400 × 6 × 80% (overseas 50万–199万)
    page.get_by_test_id("capacity").fill("0")
    expect(page.get_by_test_id("preview-error")).to_contain_text("at least 1万")
    expect(page.get_by_test_id("continue-checkout")).to_be_disabled()
    page.get_by_test_id("capacity").fill("10")
    page.locator("label[for=months-1]").click()
    expect(total).to_have_text("¥4,000.00")
    expect(page).to_have_url(re.compile(r"/buy/\?capacity=10&unit=wan&months=1$"))
    screenshot("push-buy-preview")

    page.get_by_test_id("continue-checkout").click()
    expect(page.get_by_test_id("quote-total")).to_have_text("¥4,000.00")
    screenshot("push-checkout")
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("receipt-total")).to_have_text("¥4,000.00")
    subscription = PushSubscription.objects.get(app=app)
    assert subscription.capacity_wan == 10

    # The SDK reports more devices than the capacity: the console warns and points to upgrade.
    today = billing_day(timezone.now())
    for days_ago, dau in ((0, 120_000), (1, 64_000), (2, 58_500), (3, 61_200)):
        PushDauDaily.objects.create(app=app, day=today - dt.timedelta(days=days_ago), dau=dau)
    page.goto(f"{live_server.url}{reverse('console:push_app', args=[app.pk])}")
    expect(page.get_by_test_id("service-card")).to_contain_text("10万 DAU peak")
    expect(page.get_by_test_id("throttled")).to_contain_text("Over capacity")
    screenshot("push-detail")

    # Upgrade to 20万: the fee preview shows the remaining days and the formula.
    page.goto(f"{live_server.url}{reverse('console:push')}")
    row = page.locator("[data-testid=app-row][data-app='Galaxy Quest']")
    expect(row.get_by_test_id("mode-badge")).to_have_text("Prepaid")
    expect(row.get_by_test_id("dau-today")).to_have_text("120,000")
    expect(row.get_by_test_id("throttled")).to_contain_text("pushes are slowed")
    screenshot("push-list-over-capacity")
    row.get_by_role("link", name="Upgrade", exact=True).click()
    page.wait_for_load_state()  # htmx must be listening before the form is typed into
    expect(page.get_by_test_id("current-capacity")).to_contain_text("10万")
    page.get_by_test_id("capacity").fill("20")
    expect(page.get_by_test_id("preview-formula")).to_contain_text("(¥8,000.00 − ¥4,000.00) ×")
    remaining_days = int(page.get_by_test_id("remaining-days").inner_text())
    assert 28 <= remaining_days <= 31
    fee = page.get_by_test_id("preview-total").inner_text()
    screenshot("push-upgrade")
    page.get_by_test_id("continue-checkout").click()
    expect(page.get_by_test_id("quote-total")).to_have_text(fee)
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("receipt-total")).to_have_text(fee)
    subscription.refresh_from_db()
    assert subscription.capacity_wan == 20

    # Renewals: select both prepaid apps and turn auto-renew on in one action.
    page.get_by_role("link", name="Renewals").first.click()
    rows = page.get_by_test_id("subscription-row")
    expect(rows).to_have_count(2)
    for name in ("Galaxy Quest", "Older app"):
        page.get_by_role("checkbox", name=f"Select {name}").check()
    page.get_by_test_id("batch-on").click()
    expect(
        page.locator(".toast").filter(has_text="Auto-renew turned on for 2 subscriptions.")
    ).to_be_visible()
    for switch in page.get_by_test_id("auto-renew-switch").all():
        expect(switch).to_be_checked()
    assert set(PushSubscription.objects.values_list("auto_renew", flat=True)) == {True}
    # One row's switch turns it off again, swapping only that row.
    page.locator(
        "[data-testid=subscription-row][data-app='Older app'] [data-testid=auto-renew-switch]"
    ).click()
    expect(
        page.locator(".toast").filter(has_text="Auto-renew is off for Older app.")
    ).to_be_visible()
    expect(
        page.locator(
            "[data-testid=subscription-row][data-app='Older app'] [data-testid=auto-renew-switch]"
        )
    ).not_to_be_checked()
    screenshot("renewals")
    assert not PushSubscription.objects.get(app=older).auto_renew

    # Every payment is in the ledger.
    orders = list(Order.objects.filter(account=account).order_by("created_at"))
    assert [order.kind for order in orders] == ["new", "new", "upgrade"]
    payments = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.PAYMENT)
    assert {entry.order_id for entry in payments} == {order.pk for order in orders}
    assert sorted(-entry.cash_amount for entry in payments) == sorted(
        order.total for order in orders
    )
    assert orders[1].total == Decimal("4000.00")
    try:
        balance_url = reverse("console:balance")
    except NoReverseMatch:
        balance_url = None  # engineer A's Balance page is not there yet: the ledger rows stand
    if balance_url:
        page.goto(f"{live_server.url}{balance_url}")
        for order in orders:
            expect(page.get_by_text(f"{order.total:,.2f}").first).to_be_visible()
        screenshot("push-balance-ledger")


def test_renewals_page_explains_each_state_and_renews_after_expiry(live_server, page, screenshot):
    account = fund(AccountFactory(name="Late Payer Co"), cash="50000")
    owner = Acting(account=account, role="owner")
    now = timezone.now()

    def subscription(name, *, bought):
        app = PushAppFactory(account=account, name=name)
        return push_services.buy_prepaid(
            acting=owner,
            user=account.owner,
            app=app,
            capacity_wan=1,
            months=1,
            idempotency_key=f"setup-{name}",
            now=bought,
        ).order.subscription

    def bought_for_day_after_expiry(day):
        # A one-month period that ended `day` days ago (day 0 is the expiry day).
        expiry = now - dt.timedelta(days=day)
        return add_months_to_instant(expiry, -1)

    grace = subscription("Grace app", bought=bought_for_day_after_expiry(3))
    stopped = subscription("Stopped app", bought=bought_for_day_after_expiry(9))
    PushApp.objects.filter(pk=stopped.app_id).update(
        state=PushApp.State.STOPPED, stop_reason=PushApp.StopReason.EXPIRED, stopped_at=now
    )
    subscription("Soon app", bought=bought_for_day_after_expiry(-5))
    subscription("Later app", bought=now)
    CaptchaPack.objects.create(
        account=account,
        sku=sku("captcha-trial-20k"),
        kind="trial",
        size=20_000,
        used=4_500,
        bought_at=now - dt.timedelta(days=5),
        expires_at=now + dt.timedelta(days=2),
    )

    sign_in(page, live_server, email=account.owner.email)
    page.get_by_role("link", name="Renewals").first.click()
    rows = page.get_by_test_id("subscription-row")
    expect(rows).to_have_count(4)
    stopped_row = page.locator("[data-testid=subscription-row][data-app='Stopped app']")
    expect(stopped_row).to_contain_text("support must renew it")
    expect(stopped_row.get_by_test_id("renew")).to_have_count(0)
    grace_row = page.locator("[data-testid=subscription-row][data-app='Grace app']")
    expect(grace_row).to_contain_text("3 days after expiry")
    expect(page.get_by_test_id("pack-row")).to_contain_text("15,500")
    screenshot("renewals-states")

    # Filters live in the query string and swap only the table.
    page.get_by_label("Expiring").select_option("7")
    expect(page).to_have_url(re.compile(r"/renewals/\?product=&within=7$"))
    expect(page.locator("[data-testid=subscription-row][data-app='Later app']")).to_have_count(0)
    expect(rows).to_have_count(3)
    page.get_by_label("Product").select_option("push")
    expect(page.get_by_test_id("packs-card")).to_have_count(0)
    page.go_back()
    expect(page.get_by_test_id("packs-card")).to_be_visible()

    # Day 3 after expiry: the renewal starts at the old expiry.
    grace_row.get_by_test_id("renew").click()
    expect(page.get_by_test_id("expiry-status")).to_contain_text("day 3 after expiry")
    old_expiry = timezone.localtime(grace.expires_at).date()
    expect(page.get_by_test_id("new-period")).to_contain_text(f"{old_expiry:%Y-%m-%d} →")
    screenshot("push-renew")
    page.get_by_test_id("continue-checkout").click()
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("receipt-total")).to_have_text("¥800.00")
    order = Order.objects.get(account=account, kind=Order.Kind.RENEWAL)
    assert order.period_start == grace.expires_at
    grace.refresh_from_db()
    assert grace.expires_at == add_months_to_instant(order.period_start, 1)
