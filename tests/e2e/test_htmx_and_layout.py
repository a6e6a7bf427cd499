"""HTMX forms answer in place (errors and messages), and the layout fits phones and 1280 px."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.selectors import Acting
from billing.services import push as push_services
from tests.e2e.helpers import sign_in
from tests.factories import AccountFactory, PushAppFactory, VoucherFactory, fund, product

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_captcha_app_form_shows_its_error_in_place_then_the_success_message(
    live_server, page, screenshot
):
    account = AccountFactory(name="Acme Login Ltd")
    sign_in(page, live_server, email=account.owner.email)
    page.goto(f"{live_server.url}/captcha/")
    apps = page.locator("#captcha-apps")

    # Empty name: htmx gets a 400 with the form and swaps it in; the rest of the page stays.
    with page.expect_response("**/captcha/apps/") as answer:
        apps.get_by_role("button", name="Create app").click()
    assert answer.value.status == 400
    expect(apps.locator(".invalid-feedback")).to_have_text("This field is required.")
    expect(apps.get_by_label("App name")).to_have_class("form-control is-invalid")
    expect(page.get_by_role("heading", name="CAPTCHA", exact=True)).to_be_visible()
    expect(page.get_by_test_id("pack-table")).to_be_visible()
    expect(page.get_by_role("navigation", name="Console sections")).to_be_visible()
    screenshot("captcha-app-error")

    apps.get_by_label("App name").fill("Login page")
    apps.get_by_role("button", name="Create app").click()
    toast = page.locator("#toasts .toast").filter(has_text="App Login page created: CaptchaAppId")
    expect(toast).to_be_visible()
    app = account.captcha_apps.get()
    expect(toast).to_contain_text(str(app.captcha_app_id))
    expect(apps.locator("tbody")).to_contain_text("Login page")
    expect(apps.locator(".invalid-feedback")).to_have_count(0)
    screenshot("captcha-app-created")

    # The message was shown once; the next page does not show it again.
    page.goto(f"{live_server.url}/captcha/")
    expect(page.get_by_text("App Login page created")).to_have_count(0)


def test_fractional_capacity_gets_the_server_message_and_no_checkout(live_server, page):
    account = fund(AccountFactory(), cash="100000")
    app = PushAppFactory(account=account, name="Phone app")
    sign_in(page, live_server, email=account.owner.email)
    page.goto(f"{live_server.url}/push/apps/{app.pk}/buy/")
    checkout = page.get_by_test_id("continue-checkout")
    expect(checkout).to_be_enabled()
    page.get_by_test_id("capacity").fill("1.5")
    expect(page.get_by_test_id("preview-error")).to_contain_text(
        "Enter the capacity as a whole number"
    )
    expect(checkout).to_be_disabled()
    page.get_by_test_id("capacity").fill("2")
    expect(page.get_by_test_id("preview-total")).to_be_visible()
    expect(checkout).to_be_enabled()


def test_phone_sidebar_is_behind_the_toggle_and_pages_do_not_scroll_sideways(
    live_server, page, screenshot
):
    account = fund(AccountFactory(name="Acme Games"), cash="50000")
    VoucherFactory(
        account=account,
        code="WELCOME200",
        amount=Decimal("200"),
        min_spend=Decimal("1000"),
        product=product("push"),
    )
    app = PushAppFactory(account=account, name="Wide table app")
    push_services.buy_prepaid(
        acting=Acting(account=account, role="owner"),
        user=account.owner,
        app=app,
        capacity_wan=2,
        months=1,
        idempotency_key="setup-wide",
    )
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, email=account.owner.email)

    sidebar = page.get_by_test_id("sidebar")
    balance_link = sidebar.get_by_role("link", name="Balance")
    expect(balance_link).to_be_hidden()
    # The content starts right under the header, not below the navigation.
    assert page.locator("main").bounding_box()["y"] < 120
    page.get_by_test_id("sidebar-toggle").click()
    expect(balance_link).to_be_visible()
    screenshot("phone-sidebar-open")
    balance_link.click()
    page.wait_for_url("**/balance/")
    expect(page.get_by_role("heading", name="Balance")).to_be_visible()
    expect(balance_link).to_be_hidden()
    expect(page.get_by_text("WELCOME200")).to_be_attached()
    assert _page_width(page) <= PHONE["width"]
    screenshot("phone-balance")

    for path in ("/", "/captcha/", "/push/", f"/push/apps/{app.pk}/", "/renewals/", "/orders/"):
        page.goto(f"{live_server.url}{path}")
        assert _page_width(page) <= PHONE["width"], path

    # From lg on the sidebar is a column again, with no toggle.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(balance_link).to_be_visible()
    expect(page.get_by_test_id("sidebar-toggle")).to_be_hidden()


def test_every_push_app_action_is_visible_at_1280(live_server, page, screenshot):
    account = fund(AccountFactory(name="Galaxy Games Ltd"), cash="100000")
    app = PushAppFactory(account=account, name="Galaxy Quest (Android)", access_point="singapore")
    push_services.buy_prepaid(
        acting=Acting(account=account, role="owner"),
        user=account.owner,
        app=app,
        capacity_wan=10,
        months=12,
        idempotency_key="setup-galaxy",
    )
    PushAppFactory(account=account, name="Trial app", platform="ios")
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, email=account.owner.email)
    page.goto(f"{live_server.url}/push/")
    table = page.get_by_test_id("push-apps-table")
    wrapper = page.locator("#push-apps .table-responsive")
    sizes = wrapper.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] <= sizes[1], f"the app table scrolls sideways: {sizes}"
    expect(table.get_by_role("columnheader", name="Actions")).to_be_in_viewport(ratio=1)
    row = table.locator("[data-testid=app-row][data-app='Galaxy Quest (Android)']")
    for name in ("Upgrade", "Renew"):
        expect(row.get_by_role("link", name=name, exact=True)).to_be_in_viewport(ratio=1)
    screenshot("push-apps-1280")


def test_long_app_names_wrap_and_search_answers_in_place_on_a_phone(live_server, page, screenshot):
    account = AccountFactory(name="Long Names Ltd")
    long_name = "Supercalifragilistic-Weather-And-News-Aggregator-For-Everyone"[:60]
    PushAppFactory(account=account, name=long_name)
    PushAppFactory(account=account, name="Short")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, email=account.owner.email)
    page.goto(f"{live_server.url}/push/")
    search = page.get_by_test_id("app-search")
    search.get_by_label("Search apps").fill("short")
    search.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("app-row")).to_have_count(1)
    expect(page).to_have_url(f"{live_server.url}/push/?q=short")
    page.goto(f"{live_server.url}/push/apps/{account.push_apps.get(name=long_name).pk}/")
    assert _page_width(page) <= PHONE["width"]
    screenshot("push-app-long-name-phone")
