"""The Content-Security-Policy runs only our own scripts, and every page still works under it."""

import pytest
from playwright.sync_api import expect

from notifications.models import Recipient
from tests.e2e.helpers import sign_in
from tests.factories import AccountFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def test_pages_work_under_the_policy_with_no_violation(live_server, page):
    account = AccountFactory(name="Policy Ltd")
    Recipient.objects.create(account=account, name="Ops desk", email="ops@example.com")
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server, email=account.owner.email)
    response = page.goto(f"{live_server.url}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"

    # The push page's create form opens in place; Cancel closes it without leaving the page.
    page.get_by_role("link", name="Mobile Push").click()
    page.get_by_test_id("create-app").click()
    form = page.get_by_test_id("create-app-form")
    expect(form).to_be_visible()
    form.get_by_role("link", name="Cancel").click()
    expect(page.get_by_test_id("create-app-form")).to_have_count(0)
    assert page.url.endswith("/push/")

    # The header's language switch submits on change and stays on the page.
    page.locator("header select[name=language]").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.url.endswith("/push/")

    # Removing a recipient asks first; dismissing keeps it.
    page.goto(f"{live_server.url}/messages/settings/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_test_id("recipient-remove").first.click()
    assert Recipient.objects.filter(name="Ops desk").exists()

    assert page.evaluate("window.__cspViolations") == []
