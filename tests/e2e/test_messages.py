"""A customer reads in-site messages and changes who receives what (SPEC.md §3 Notices, §4)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from notifications.kinds import Kind
from notifications.models import Recipient
from notifications.services import notify
from tests.e2e.helpers import sign_in
from tests.factories import AccountFactory, PushAppFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXPIRES = dt.datetime(2026, 3, 4, 16, 0, tzinfo=dt.UTC)


def _shot(page, screenshot, name):
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top of the shot
    screenshot(name)


def _three_notices(account):
    app = PushAppFactory(account=account, name="Hero Chat", access_id="1500000042")
    notify(
        kind=Kind.PUSH_EXPIRY_REMINDER,
        account=account,
        subject=app,
        day=dt.date(2026, 3, 1),
        context={"expires_at": EXPIRES, "days_left": 3},
    )
    notify(
        kind=Kind.BALANCE_ALERT,
        account=account,
        subject=account,
        day=dt.date(2026, 3, 2),
        context={
            "available_balance": Decimal("88.50"),
            "threshold": Decimal("100"),
            "cash_balance": Decimal("80"),
            "gift_balance": Decimal("8.50"),
        },
    )
    notify(
        kind=Kind.ARREARS,
        account=account,
        subject=account,
        day=dt.date(2026, 3, 2),
        context={
            "amount_due": Decimal("224.00"),
            "stops_at": EXPIRES,
            "resources": ["Hero Chat (1500000042)"],
        },
    )


def test_customer_reads_messages_and_changes_subscriptions(live_server, page, screenshot):
    account = AccountFactory(owner__email="reader@example.com", name="Acme Games")
    _three_notices(account)
    badge = page.locator("#unread-badge")

    sign_in(page, live_server, email="reader@example.com")
    expect(badge).to_have_text("3")
    _shot(page, screenshot, "messages-overview-badge")

    page.get_by_role("link", name=re.compile("Messages")).click()
    page.wait_for_url("**/messages/")
    rows = page.get_by_test_id("message-row")
    expect(rows).to_have_count(3)
    expect(page.locator('[data-unread="true"]')).to_have_count(3)
    _shot(page, screenshot, "messages-inbox-unread")

    page.get_by_test_id("filter-balance").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Balance alert: ¥88.50 left")
    assert "category=balance" in page.url
    page.get_by_role("link", name="All", exact=True).click()
    expect(rows).to_have_count(3)

    rows.filter(has_text="Balance alert").get_by_role("button", name="Mark as read").click()
    expect(badge).to_have_text("2")
    expect(page.locator('[data-unread="true"]')).to_have_count(2)

    page.get_by_test_id("mark-all-read").click()
    expect(page.locator("#toasts")).to_contain_text("2 messages marked as read.")
    expect(page.locator('[data-unread="true"]')).to_have_count(0)
    expect(badge).to_be_hidden()
    _shot(page, screenshot, "messages-inbox-all-read")

    rows.filter(has_text="in arrears").get_by_role("link").click()
    expect(page.get_by_test_id("message-body")).to_contain_text("¥224.00")
    expect(page.get_by_test_id("message-body")).to_contain_text("Hero Chat (1500000042)")
    _shot(page, screenshot, "messages-detail")

    page.get_by_role("link", name="Back to messages").click()
    page.get_by_role("link", name="Subscription settings").click()
    owner = Recipient.objects.get(account=account, is_owner=True)
    matrix = page.get_by_test_id(f"matrix-{owner.pk}")
    usage_sms = matrix.get_by_label("Usage: SMS")
    expect(usage_sms).to_be_checked()
    usage_sms.uncheck()
    matrix.get_by_label("Refunds: Email").uncheck()
    matrix.get_by_role("button", name="Save").click()
    expect(page.locator("#toasts")).to_contain_text("Subscriptions for reader@example.com saved.")
    _shot(page, screenshot, "messages-settings-saved")

    page.reload()
    expect(page.get_by_test_id(f"matrix-{owner.pk}").get_by_label("Usage: SMS")).not_to_be_checked()
    expect(
        page.get_by_test_id(f"matrix-{owner.pk}").get_by_label("Refunds: Email")
    ).not_to_be_checked()
    expect(page.get_by_test_id(f"matrix-{owner.pk}").get_by_label("Usage: Email")).to_be_checked()
    cells = set(owner.subscriptions.values_list("category", "channel"))
    assert ("usage", "sms") not in cells and ("refunds", "email") not in cells
    assert ("usage", "email") in cells


def test_customer_adds_a_recipient_and_verifies_the_email(live_server, page, screenshot):
    account = AccountFactory(owner__email="admin-owner@example.com", name="Star Studio")
    sign_in(page, live_server, email="admin-owner@example.com")
    page.goto(f"{live_server.url}/messages/settings/")

    form = page.get_by_test_id("add-recipient")
    page.get_by_test_id("add-recipient-toggle").click()
    expect(page.locator("#add-recipient.collapse.show")).to_be_visible()
    form.get_by_label("Name").fill("Ops desk")
    form.get_by_label("Email").fill("ops@example.com")
    form.get_by_label("Mobile number").fill("+8613900139000")
    _shot(page, screenshot, "messages-settings-add")
    form.get_by_role("button", name="Add recipient").click()
    expect(page.get_by_text("Ops desk was added.")).to_be_visible()
    ops = Recipient.objects.get(account=account, name="Ops desk")
    row = page.get_by_test_id(f"recipient-{ops.pk}")
    expect(row).to_contain_text("Not verified")

    mail.outbox.clear()
    page.get_by_test_id(f"send-code-email-{ops.pk}").click()
    expect(page.locator("#toasts")).to_contain_text("A code was sent to ops@example.com.")
    code_input = page.get_by_test_id("code-input")
    expect(code_input).to_be_visible()
    _shot(page, screenshot, "messages-settings-verify")
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject).group(1)
    code_input.fill(code)
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_text("ops@example.com is verified.")).to_be_visible()
    expect(page.get_by_test_id(f"recipient-{ops.pk}")).to_contain_text("Verified")

    matrix = page.get_by_test_id(f"matrix-{ops.pk}")
    expect(matrix.get_by_label("Expiry and renewal: Email")).not_to_be_checked()
    matrix.get_by_label("Expiry and renewal: Email").check()
    matrix.get_by_label("Arrears and stop: Email").check()
    matrix.get_by_role("button", name="Save").click()
    expect(page.locator("#toasts")).to_contain_text("Subscriptions for Ops desk saved.")
    _shot(page, screenshot, "messages-settings")
    assert set(ops.subscriptions.values_list("category", "channel")) == {
        ("expiry_renewal", "email"),
        ("arrears_stop", "email"),
    }
