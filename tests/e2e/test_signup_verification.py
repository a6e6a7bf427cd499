"""A customer signs up and submits real-name verification; support approves it in the admin."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from billing.models import Account
from tests.e2e.helpers import sign_in, sign_out, staff_sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_and_support_approves(live_server, page, screenshot):
    support = UserFactory(username="support", email="support@example.com", is_staff=True)
    support.groups.add(Group.objects.get(name="Support"))

    page.goto(f"{live_server.url}/accounts/signup/")
    screenshot("signup")
    page.get_by_label("Email").fill("newcustomer@example.com")
    page.get_by_label("Password", exact=True).fill("Sturdy-pass-2026")
    page.get_by_label("Password (again)").fill("Sturdy-pass-2026")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("Real-name verification is required")).to_be_visible()
    screenshot("overview-unverified")

    page.get_by_role("link", name="Verify now").click()
    page.get_by_label("Account type").select_option("company")
    # The labels and the documents follow the account type.
    expect(page.get_by_label("Company name, as registered")).to_be_visible()
    expect(page.get_by_label("Document")).to_have_value("cn_uscc")
    page.get_by_label("Company name, as registered").fill("Newco Ltd")
    page.get_by_label("Unified social credit code").fill("91310000MA1K00001")  # no check char
    page.get_by_role("button", name="Submit for verification").click()
    expect(page.get_by_text("not a valid unified social credit code")).to_be_visible()
    page.get_by_label("Unified social credit code").fill("91310000MA1K000019")
    page.get_by_role("button", name="Submit for verification").click()
    expect(page.get_by_test_id("verification-badge")).to_have_text("Pending review")
    screenshot("account-pending")
    sign_out(page)

    account = Account.objects.get(owner__email="newcustomer@example.com")
    staff_sign_in(page, live_server, support)
    page.goto(f"{live_server.url}/admin/billing/account/{account.pk}/change/")
    screenshot("admin-account-pending")
    page.get_by_role("button", name="Approve verification").click()
    expect(page.get_by_text("Verification approved.")).to_be_visible()
    page.context.clear_cookies()

    sign_in(page, live_server, email="newcustomer@example.com", password="Sturdy-pass-2026")
    expect(page.get_by_test_id("verification-state")).to_have_text("Verified")
    page.goto(f"{live_server.url}/account/")
    expect(page.get_by_test_id("verification-badge")).to_have_text("Verified")
    screenshot("account-verified")
    account.refresh_from_db()
    assert account.verification_state == Account.Verification.VERIFIED
    assert account.verification_decided_by == support
