"""The console switches between English and Simplified Chinese."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import sign_in
from tests.factories import AccountFactory, PushAppFactory, fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_switch_to_chinese_and_back(live_server, page, screenshot):
    account = fund(AccountFactory(name="Acme"), cash="1000")
    PushAppFactory(account=account, name="Acme Shop", access_point="singapore")
    sign_in(page, live_server, email=account.owner.email)

    page.get_by_label("Language").first.select_option("zh-hans")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    nav = page.get_by_role("navigation")
    for label in ["概览", "验证码", "移动推送", "续费管理", "订单", "余额", "消息中心", "账号"]:
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    expect(page.get_by_text("现金余额")).to_be_visible()
    screenshot("zh-overview")
    page.goto(f"{live_server.url}/push/")
    expect(page.get_by_role("heading", name="移动推送")).to_be_visible()
    screenshot("zh-push")
    page.goto(f"{live_server.url}/captcha/")
    expect(page.get_by_text("领取免费体验包").first).to_be_visible()
    screenshot("zh-captcha")

    page.get_by_label("语言").first.select_option("en")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation").get_by_role("link", name="Overview")).to_be_visible()

    # The account page's language form shows the active language and switches the same way
    # as the header, which then follows it.
    page.goto(f"{live_server.url}/account/")
    expect(page.locator("#account-language")).to_have_value("en")
    page.locator("#account-language").select_option("zh-hans")
    page.get_by_role("button", name="Save language").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_text("API 密钥", exact=True)).to_be_visible()
    expect(page.locator("#account-language")).to_have_value("zh-hans")
    expect(page.locator("header select[name=language]")).to_have_value("zh-hans")
    screenshot("zh-account")
