"""Support in a real browser: find a customer by Access ID, read the timeline, renew an app
stopped after day 8 (price shown, then charged), in English and in Chinese."""

import pytest
from playwright.sync_api import expect

from billing.models import Order, PushApp
from billing.services.lifecycle import run_due_jobs
from tests.conftest import ARTIFACTS
from tests.e2e.helpers import staff_sign_in
from tests.factories import AccountFactory, SupportFactory, fund
from tests.helpers import at, prepaid_order, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def stopped_app():
    """Bought 2026-10-25 10:00 for a month; stopped on day 8 (2026-12-03); destroyed on
    2026-12-10 unless support renews."""
    account = fund(AccountFactory(name="Stopped Games"), cash="1600")
    order = prepaid_order(account, now=at("2026-10-25", 10, 0))
    run_due_jobs(now=at("2026-12-03", 0, 5))
    app = PushApp.objects.get(pk=order.app_id)
    assert app.state == PushApp.State.STOPPED
    return account, app


def test_support_finds_the_customer_and_renews_after_day_8(live_server, page, screenshot):
    _account, app = stopped_app()
    support = SupportFactory(username="desk")
    staff_sign_in(page, live_server, support)
    page.get_by_label("Find a customer").fill(app.access_id)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#timeline")).to_contain_text("App stopped")
    screenshot("admin-timeline")
    page.goto(f"{live_server.url}/admin/billing/pushapp/{app.pk}/change/")
    expect(page.locator("body")).to_contain_text("unless support renews it")
    page.get_by_role("link", name="Renew…").click()
    page.get_by_label("Reason").fill("Customer called: ticket 77")
    page.get_by_role("button", name="Show the price").click()
    expect(page.locator("#staff-quote")).to_contain_text("¥800.00")
    screenshot("admin-renew-quote")
    assert not Order.objects.filter(kind="renewal").exists()
    page.get_by_role("button", name="Confirm and charge").click()
    expect(page.locator(".messagelist")).to_contain_text("¥800.00")
    renewal = Order.objects.get(kind="renewal")
    assert renewal.total == 800 and renewal.created_by == support
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE


def test_the_back_office_reads_in_chinese(live_server, browser, browser_context_args):
    account, app = stopped_app()
    context = browser.new_context(**{**browser_context_args, "locale": "zh-CN"})
    page = context.new_page()

    def screenshot(name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    staff_sign_in_zh(page, live_server, SupportFactory(username="desk-zh"))
    page.goto(f"{live_server.url}/admin/billing/account/{account.pk}/timeline/")
    expect(page.locator("#timeline")).to_contain_text("应用停服")
    screenshot("admin-timeline-zh")
    page.goto(f"{live_server.url}/admin/billing/pushapp/{app.pk}/change/")
    expect(page.locator("body")).to_contain_text("如客服未为其续费")
    screenshot("admin-pushapp-zh")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/admin/billing/pushapp/{app.pk}/renew/")
    screenshot("admin-renew-zh-phone")
    context.close()


def staff_sign_in_zh(page, live_server, user):
    page.goto(f"{live_server.url}/admin/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill("correct-horse-battery")
    page.locator("button.btn-primary[type=submit]").click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.locator("input[name=code]").fill(totp_code(user.totp_secret))
    page.locator("button.btn-primary[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/admin/")
