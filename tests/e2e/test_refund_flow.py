"""A customer asks for a push refund; support approves it in the admin; the money comes back."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from billing import roles
from billing.models import RefundTicket
from billing.selectors import Acting
from billing.services import push
from tests.e2e.helpers import sign_in, staff_sign_in
from tests.factories import AccountFactory, PushAppFactory, UserFactory, fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_customer_requests_support_approves_customer_sees_refund(live_server, page, screenshot):
    account = fund(AccountFactory(name="Refundable Ltd"), cash="4000")
    app = PushAppFactory(account=account, name="Shop", access_point="singapore")
    order = push.buy_prepaid(
        acting=Acting(account=account, role=roles.OWNER),
        user=account.owner,
        app=app,
        capacity_wan=10,
        months=1,
        idempotency_key="buy",
    ).order
    support = UserFactory(username="support", is_staff=True)
    support.groups.add(Group.objects.get(name="Support"))

    sign_in(page, live_server, email=account.owner.email)
    page.goto(f"{live_server.url}/orders/{order.number}/")
    page.get_by_role("link", name="Request refund").click()
    expect(page.get_by_test_id("refund-amount")).to_have_text("¥4,000.00")
    screenshot("refund-request")
    page.get_by_label("Why do you want a refund?").fill("We chose the wrong region.")
    page.get_by_role("button", name="Submit refund request").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Submitted")
    page.context.clear_cookies()

    staff_sign_in(page, live_server, support)
    page.goto(f"{live_server.url}/admin/billing/refundticket/")
    expect(page.get_by_test_id("status-counts")).to_contain_text("Submitted: 1")
    ticket = RefundTicket.objects.get(order=order)
    page.get_by_role("link", name=str(ticket.pk), exact=True).click()
    expect(page.get_by_test_id("computed-amount")).to_have_text("¥4,000.00")
    screenshot("admin-refund-ticket")
    page.get_by_role("button", name="Approve and refund").click()
    expect(page.get_by_text("updated.")).to_be_visible()
    page.context.clear_cookies()

    sign_in(page, live_server, email=account.owner.email)
    page.goto(f"{live_server.url}/refunds/")
    expect(page.get_by_test_id("ticket-status")).to_have_text("Refunded")
    screenshot("refunds")
    page.goto(f"{live_server.url}/balance/")
    expect(page.get_by_test_id("cash")).to_have_text("¥4,000.00")
    page.goto(f"{live_server.url}/messages/")
    expect(page.get_by_text("Refund request").first).to_be_visible()
    screenshot("refund-inbox")
