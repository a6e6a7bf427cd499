"""Support's actions as admin pages: a reason always, the price shown is the price charged, the
timeline and the audit list (SPEC.md §1 audit Decision, §3 renewal after day 8)."""

import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from billing.models import Account, AuditEvent, Order, Product, PushApp, Voucher
from billing.services.lifecycle import run_due_jobs
from tests.factories import AccountFactory, PushAppFactory, SupportFactory, UserFactory, fund
from tests.helpers import at, postpaid_app, prepaid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_client(client):
    client.user = SupportFactory(username="support-agent")
    client.force_login(client.user)
    return client


def key_of(page) -> str:
    return re.search(r'name="key" value="([0-9a-f]+)"', page.content.decode()).group(1)


def test_stop_page_needs_a_reason_then_stops_and_audits(support_client):
    app = PushAppFactory()
    change = support_client.get(reverse("admin:billing_pushapp_change", args=[app.pk]))
    assert "Stop…" in change.content.decode() and "Resume…" not in change.content.decode()
    url = reverse("admin:billing_pushapp_stop", args=[app.pk])
    key = key_of(support_client.get(url))
    refused = support_client.post(url, {"reason": "", "key": key})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE
    assert support_client.post(url, {"reason": "Abuse ticket 9", "key": key}).status_code == 302
    app.refresh_from_db()
    assert app.state == PushApp.State.STOPPED
    event = AuditEvent.objects.get(action="app_stopped")
    assert (event.actor, event.reason) == (support_client.user, "Abuse ticket 9")
    change = support_client.get(reverse("admin:billing_pushapp_change", args=[app.pk]))
    assert "Resume…" in change.content.decode() and "Stop…" not in change.content.decode()


def test_the_admin_shows_what_happens_next(support_client):
    account = fund(AccountFactory(), cash="800")
    order = prepaid_order(account, now=at("2026-11-01", 10, 0))
    run_due_jobs(now=at("2026-12-09", 0, 5))
    with time_machine.travel(at("2026-12-10"), tick=False):
        page = support_client.get(reverse("admin:billing_pushapp_change", args=[order.app_id]))
    html = page.content.decode()
    assert "Data destroyed 2026-12-16 00:00 unless support renews it." in html
    # Resuming an expired app by hand would be refused: the button says why instead.
    assert 'data-testid="resume-refused"' in html and "renew it" in html


def test_renew_after_day_8_shows_the_price_then_charges_exactly_it(support_client):
    account = fund(AccountFactory(), cash="1600")
    order = prepaid_order(account, now=at("2026-11-01", 10, 0))
    run_due_jobs(now=at("2026-12-09", 0, 5))
    app = PushApp.objects.get(pk=order.app_id)
    url = reverse("admin:billing_pushapp_renew", args=[app.pk])
    key = key_of(support_client.get(url))
    shown = support_client.post(url, {"reason": "Customer called", "key": key, "months": "1"})
    html = shown.content.decode()
    assert "¥800.00" in html and "Confirm and charge" in html
    expected = re.search(r'name="expected_total" value="([0-9.]+)"', html).group(1)
    assert not Order.objects.filter(kind="renewal").exists()  # showing the price charges nothing
    done = support_client.post(
        url, {"reason": "Customer called", "key": key, "months": "1", "expected_total": expected}
    )
    assert done.status_code == 302
    renewal = Order.objects.get(kind="renewal")
    assert renewal.total == Decimal(expected) == Decimal("800.00")
    # The same form submitted again buys nothing more.
    support_client.post(
        url, {"reason": "Customer called", "key": key, "months": "1", "expected_total": expected}
    )
    assert Order.objects.filter(kind="renewal").count() == 1
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE


def test_renew_page_refuses_a_stale_price_and_shows_the_new_one(support_client):
    account = fund(AccountFactory(), cash="20000")
    order = prepaid_order(account, now=at("2026-11-01", 10, 0))
    app = PushApp.objects.get(pk=order.app_id)
    url = reverse("admin:billing_pushapp_renew", args=[app.pk])
    key = key_of(support_client.get(url))
    # Price shown for 1 month, then the duration changed to 12 before confirming.
    response = support_client.post(
        url, {"reason": "r", "key": key, "months": "12", "expected_total": "800.00"}
    )
    assert response.status_code == 200 and "nothing was charged" in response.content.decode()
    assert not Order.objects.filter(kind="renewal").exists()


def test_switch_to_prepaid_page(support_client):
    account = fund(AccountFactory(), cash="5000")
    app = postpaid_app(account)
    change = support_client.get(reverse("admin:billing_pushapp_change", args=[app.pk]))
    assert "Switch to prepaid…" in change.content.decode()
    url = reverse("admin:billing_pushapp_switch_to_prepaid", args=[app.pk])
    key = key_of(support_client.get(url))
    data = {"reason": "Wants a fixed bill", "key": key, "months": "1", "capacity_wan": "1"}
    shown = support_client.post(url, data)
    expected = re.search(r'name="expected_total" value="([0-9.]+)"', shown.content.decode()).group(
        1
    )
    assert support_client.post(url, {**data, "expected_total": expected}).status_code == 302
    app.refresh_from_db()
    assert app.billing_mode == PushApp.BillingMode.PREPAID
    assert Order.objects.get(kind="new", app=app).total == Decimal(expected)


def test_privileges_page_is_the_only_way_to_change_flags(support_client):
    account = AccountFactory()
    # The change form no longer edits them.
    support_client.post(
        reverse("admin:billing_account_change", args=[account.pk]),
        {"name": account.name, "kind": account.kind, "language": "en", "big_customer": "on"},
    )
    account.refresh_from_db()
    assert not account.big_customer
    url = reverse("admin:billing_account_privileges", args=[account.pk])
    key = key_of(support_client.get(url))
    support_client.post(url, {"key": key, "big_customer": "on", "reason": ""})
    account.refresh_from_db()
    assert not account.big_customer
    response = support_client.post(
        url, {"key": key, "big_customer": "on", "captcha_postpaid": "on", "reason": "Contract 12"}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.big_customer and account.captcha_postpaid == Account.CaptchaPostpaid.ON
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {
        "big_customer_changed",
        "captcha_postpaid_changed",
    }


def test_staff_without_the_permission_gets_403_on_every_action_page(client):
    client.force_login(UserFactory(username="intern", is_staff=True))
    app = PushAppFactory()
    for name in ("stop", "resume", "charity", "renew", "switch_to_prepaid"):
        url = reverse(f"admin:billing_pushapp_{name}", args=[app.pk])
        assert client.post(url, {"reason": "r", "key": "k"}).status_code in (302, 403), name
    assert client.get(
        reverse("admin:billing_account_privileges", args=[app.account_id])
    ).status_code in (302, 403)
    assert not AuditEvent.objects.exists()


def test_voucher_grant_needs_a_reason_and_is_audited(support_client):
    account = AccountFactory()
    url = reverse("admin:billing_voucher_add")
    data = {
        "account": account.pk,
        "code": "SORRY50",
        "amount": "50.00",
        "min_spend": "0",
        "expires_at_0": "2027-01-01",
        "expires_at_1": "00:00:00",
        "reason": "",
    }
    assert "This field is required" in support_client.post(url, data).content.decode()
    assert not Voucher.objects.exists()
    assert support_client.post(url, {**data, "reason": "Outage"}).status_code == 302
    event = AuditEvent.objects.get(action="voucher_granted")
    assert (event.reason, event.account, event.new_value) == ("Outage", account, "¥50.00")


def test_sale_status_is_a_superuser_decision_with_a_reason(client, support_client):
    product = Product.objects.get(code="push")
    url = reverse("admin:billing_product_change", args=[product.pk])
    assert (
        support_client.post(url, {"sale_status": "closed_to_new", "reason": "x"}).status_code == 403
    )
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    assert "required" in client.post(url, {"sale_status": "closed_to_new"}).content.decode()
    assert (
        client.post(url, {"sale_status": "closed_to_new", "reason": "Retired"}).status_code == 302
    )
    product.refresh_from_db()
    assert product.sale_status == "closed_to_new"
    assert AuditEvent.objects.get(action="sale_status_changed").actor == boss


def test_timeline_and_audit_list_search_and_export(support_client):
    account = fund(AccountFactory(name="Acme"), cash="100")
    app = PushAppFactory(account=account, name="=cmd|evil", access_id="1234509876")
    support_client.post(
        reverse("admin:billing_pushapp_stop", args=[app.pk]), {"reason": "Abuse", "key": "k1"}
    )
    timeline = support_client.get(reverse("admin:billing_account_timeline", args=[account.pk]))
    html = timeline.content.decode()
    assert ("App stopped" in html and "Abuse" in html and "Recharge" in html) or "recharge" in html
    found = support_client.get(reverse("admin:billing_auditevent_changelist"), {"q": "1234509876"})
    assert "Abuse" in found.content.decode()
    export = support_client.post(
        reverse("admin:billing_auditevent_changelist"),
        {
            "action": "export_csv",
            "_selected_action": list(AuditEvent.objects.values_list("pk", flat=True)),
        },
    )
    csv = export.content.decode()
    assert export["Content-Type"].startswith("text/csv")
    assert "app_stopped" in csv and "'=cmd|evil" in csv  # not a formula in a spreadsheet
