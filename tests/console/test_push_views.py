"""Mobile Push console pages: every rule and every refusal of SPEC.md §3 as the console shows it."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import policy, pricing
from billing.days import BILLING_TZ
from billing.models import (
    Account,
    LedgerEntry,
    Membership,
    Order,
    PushApp,
    PushDauDaily,
    PushSubscription,
)
from billing.selectors import Acting
from billing.services import push as push_services
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    PushAppFactory,
    VoucherFactory,
    fund,
)
from tests.helpers import checkout_fields

pytestmark = pytest.mark.django_db


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def account():
    return fund(AccountFactory(), cash="1000000")


@pytest.fixture
def owner(client, account):
    client.force_login(account.owner)
    return client


def member(client, account, role):
    membership = MembershipFactory(account=account, role=role)
    client.force_login(membership.user)
    return client


def buy(account, app, *, capacity_wan=10, months=1, now=None, key=None):
    return push_services.buy_prepaid(
        acting=Acting(account=account, role="owner"),
        user=account.owner,
        app=app,
        capacity_wan=capacity_wan,
        months=months,
        idempotency_key=key or f"setup-{app.pk}-{capacity_wan}-{months}",
        now=now,
    ).order


def checkout_post(client, url, **extra):
    """GET the checkout page, then POST it with its own idempotency key (as the browser does)."""
    page = client.get(url)
    assert page.status_code == 200, page.content.decode()[:2000]
    fields = checkout_fields(page)
    return client.post(url, {**fields, "voucher_code": "", **extra}), fields


def text(response) -> str:
    return response.content.decode()


# --- the app list ----------------------------------------------------------------------------


def test_list_shows_mode_state_capacity_dau_and_warnings(owner, account):
    trial = PushAppFactory(account=account, name="trial-app")
    prepaid = PushAppFactory(account=account, name="prepaid-app", access_point="singapore")
    buy(account, prepaid, capacity_wan=2)
    prepaid.refresh_from_db()
    prepaid.throttled = True
    prepaid.save()
    PushAppFactory(account=account, name="charity-app", charity=True)
    PushAppFactory(
        account=account,
        name="stopped-app",
        state=PushApp.State.STOPPED,
        stop_reason=PushApp.StopReason.TRIAL_OVER_LIMIT,
    )
    with time_machine.travel(dt.datetime(2026, 5, 20, 12, 0, tzinfo=BILLING_TZ)):
        PushDauDaily.objects.create(app=trial, day=dt.date(2026, 5, 20), dau=812)
        PushDauDaily.objects.create(app=trial, day=dt.date(2026, 5, 3), dau=977)
        PushDauDaily.objects.create(app=trial, day=dt.date(2026, 4, 30), dau=5000)  # last month
        response = owner.get(reverse("console:push"))
    assert response.status_code == 200
    page = text(response)
    for name in ("trial-app", "prepaid-app", "charity-app", "stopped-app"):
        assert name in page
    assert "812" in page and "977" in page and "5,000" not in page
    assert "2万" in page
    assert "Over capacity — pushes are slowed;" in page
    assert "Charity · free" in page
    assert "Trial DAU limit exceeded" in page
    assert "Prepaid" in page and "Trial" in page


def test_platform_tab_is_in_the_query_string_and_htmx_gets_the_partial(owner, account):
    PushAppFactory(account=account, name="robot-app", platform="android")
    PushAppFactory(account=account, name="fruit-app", platform="ios")
    response = owner.get(reverse("console:push"), {"platform": "ios"})
    assert "fruit-app" in text(response) and "robot-app" not in text(response)
    partial = owner.get(
        reverse("console:push"),
        {"platform": "android"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="push-apps",
    )
    assert "robot-app" in text(partial) and "fruit-app" not in text(partial)
    assert "<html" not in text(partial)


# --- creating apps ---------------------------------------------------------------------------


def test_owner_creates_an_app_without_javascript(owner, account):
    response = owner.post(
        reverse("console:push_create"),
        {"platform": "android", "name": "My Game", "access_point": "singapore"},
    )
    assert response.status_code == 302
    assert response.url == reverse("console:push")
    app = PushApp.objects.get(account=account)
    assert (app.platform, app.name, app.access_point) == ("android", "My Game", "singapore")
    assert re.fullmatch(r"\d{10}", app.access_id)
    assert app.billing_mode == PushApp.BillingMode.TRIAL
    assert app.access_id in text(owner.get(reverse("console:push")))


def test_create_with_htmx_returns_the_table_and_a_toast(owner, account):
    response = owner.post(
        reverse("console:push_create"),
        {"platform": "ios", "name": "Fruit", "access_point": "guangzhou"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="push-apps"' in text(response)
    assert 'id="create-slot" hx-swap-oob="true"' in text(response)
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert "Fruit" in toast["message"] and toast["level"] == "success"


def test_create_form_says_the_access_point_never_changes(owner):
    response = owner.get(reverse("console:push_create"))
    assert response.status_code == 200
    assert "can never be changed" in text(response)


def test_create_with_missing_fields_shows_errors(owner, account):
    response = owner.post(reverse("console:push_create"), {"platform": "android", "name": ""})
    assert response.status_code == 400
    assert not PushApp.objects.filter(account=account).exists()
    htmx = owner.post(
        reverse("console:push_create"), {"platform": "android"}, HTTP_HX_REQUEST="true"
    )
    assert htmx["HX-Retarget"] == "#create-slot"
    assert "This field is required." in text(htmx)


def test_fifty_apps_per_platform(owner, account):
    PushAppFactory.create_batch(policy.PUSH_APPS_PER_PLATFORM, account=account, platform="android")
    response = owner.post(
        reverse("console:push_create"),
        {"platform": "android", "name": "one too many", "access_point": "shanghai"},
    )
    assert response.status_code == 400
    assert "The limit of 50 Android apps per account is reached." in text(response)
    assert account.push_apps.filter(platform="android").count() == 50
    # The list shows the platform as full, and another platform is still open.
    assert "50/50" in text(owner.get(reverse("console:push")))
    ok = owner.post(
        reverse("console:push_create"),
        {"platform": "ios", "name": "fine", "access_point": "shanghai"},
    )
    assert ok.status_code == 302


def test_resource_role_can_create_apps(client, account):
    member(client, account, Membership.Role.RESOURCE)
    response = client.post(
        reverse("console:push_create"),
        {"platform": "macos", "name": "Desk", "access_point": "hongkong"},
    )
    assert response.status_code == 302
    assert account.push_apps.filter(name="Desk").exists()


@pytest.mark.parametrize("role", [Membership.Role.READONLY, Membership.Role.FINANCE])
def test_readonly_and_finance_cannot_create_apps(client, account, role):
    member(client, account, role)
    response = client.post(
        reverse("console:push_create"),
        {"platform": "android", "name": "nope", "access_point": "shanghai"},
    )
    assert response.status_code == 403
    assert not account.push_apps.exists()
    page = client.get(reverse("console:push_create"))
    assert "cannot create apps" in text(page)


# --- buying prepaid --------------------------------------------------------------------------


def test_buy_page_shows_a_price_at_once(owner, account):
    app = PushAppFactory(account=account)  # Guangzhou
    response = owner.get(reverse("console:push_buy", args=[app.pk]))
    assert response.status_code == 200
    assert "¥800.00" in text(response)


def test_live_preview_singapore_ten_wan_one_month(owner, account):
    app = PushAppFactory(account=account, access_point="singapore")
    response = owner.get(
        reverse("console:push_buy_preview", args=[app.pk]),
        {"capacity": "10", "unit": "wan", "months": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = text(response)
    assert 'data-testid="preview-total">¥4,000.00' in page
    assert "¥400.00 × 10万 × 1 month" in page
    assert "<html" not in page
    # The address follows the form, so the page can be bookmarked and reloaded.
    assert response["HX-Replace-Url"].endswith(
        f"/push/apps/{app.pk}/buy/?capacity=10&unit=wan&months=1"
    )


def test_preview_rounds_a_dau_figure_up_and_applies_the_overseas_discount(owner, account):
    app = PushAppFactory(account=account, access_point="hongkong")
    response = owner.get(
        reverse("console:push_buy_preview", args=[app.pk]),
        {"capacity": "495001", "unit": "dau", "months": "12"},
    )
    page = text(response)
    # 495,001 DAU → 50万; 50万-199万 for 1 year pays 65%: 50 × 400 × 12 × 0.65 = 156,000.
    assert "50万" in page and "65%" in page
    assert "¥156,000.00" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"capacity": "10", "months": "13"}, "13 is not offered"),
        ({"capacity": "0", "months": "1"}, "at least 1万"),
        ({"capacity": "ten", "months": "1"}, "whole number"),
        ({"capacity": "", "months": "1"}, "Enter a capacity"),
        ({"capacity": "10", "months": "x"}, "Choose a duration of 1 to 11 months"),
    ],
)
def test_invalid_inputs_are_explained_in_the_preview_and_the_checkout(
    owner, account, params, message
):
    app = PushAppFactory(account=account)
    preview = owner.get(reverse("console:push_buy_preview", args=[app.pk]), params)
    assert preview.status_code == 200
    assert 'data-testid="preview-error"' in text(preview) and message in text(preview)
    checkout = owner.get(reverse("console:push_buy_checkout", args=[app.pk]), params)
    assert checkout.status_code == 400
    assert message in text(checkout)
    posted = owner.post(
        reverse("console:push_buy_checkout", args=[app.pk])
        + "?"
        + "&".join(f"{k}={v}" for k, v in params.items()),
        {"idempotency_key": "k" * 32},
    )
    assert posted.status_code == 400
    assert not Order.objects.exists()


def test_buy_through_checkout(owner, account):
    app = PushAppFactory(account=account, access_point="singapore")
    url = reverse("console:push_buy_checkout", args=[app.pk]) + "?capacity=10&unit=wan&months=1"
    page = owner.get(url)
    assert "¥4,000.00" in text(page)
    response, _key = checkout_post(owner, url)
    order = Order.objects.get(account=account)
    assert response.status_code == 302
    assert response.url == reverse("console:receipt", args=[order.number])
    assert order.total == Decimal("4000.00") and order.kind == Order.Kind.NEW
    sub = PushSubscription.objects.get(app=app)
    assert (sub.capacity_wan, sub.months) == (10, 1)
    app.refresh_from_db()
    assert app.billing_mode == PushApp.BillingMode.PREPAID
    payment = LedgerEntry.objects.get(account=account, order=order)
    assert payment.cash_amount == Decimal("-4000.00")


def test_double_post_with_the_same_key_creates_one_order(owner, account):
    app = PushAppFactory(account=account)
    url = reverse("console:push_buy_checkout", args=[app.pk]) + "?capacity=1&months=1"
    first, fields = checkout_post(owner, url)
    second = owner.post(url, {**fields, "voucher_code": ""})
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Order.objects.filter(account=account).count() == 1
    assert LedgerEntry.objects.filter(account=account, kind="payment").count() == 1


def test_choosing_a_voucher_updates_the_payment_split_before_paying(owner, account):
    VoucherFactory(account=account, code="WELCOME200", amount=Decimal("200"))
    app = PushAppFactory(account=account)
    url = reverse("console:push_buy_checkout", args=[app.pk]) + "?capacity=1&months=1"
    page = text(owner.get(url))
    assert 'data-testid="voucher-select"' in page and "Pay ¥800.00" in page
    preview = owner.get(url + "&voucher_code=WELCOME200", HTTP_HX_REQUEST="true")
    fragment = text(preview)
    assert preview.status_code == 200 and "<html" not in fragment
    assert "−¥200.00" in fragment and "Pay ¥600.00" in fragment
    assert not Order.objects.filter(account=account).exists()
    paid, _key = checkout_post(owner, url, voucher_code="WELCOME200")
    assert paid.status_code == 302
    order = Order.objects.get(account=account)
    assert (order.voucher_amount, order.cash_amount) == (Decimal("200.00"), Decimal("600.00"))


def test_unverified_account_cannot_buy(client):
    account = fund(AccountFactory(verification_state=Account.Verification.UNVERIFIED), cash="9000")
    client.force_login(account.owner)
    app = PushAppFactory(account=account)
    page = client.get(reverse("console:push_buy", args=[app.pk]))
    assert "Real-name verification is required before any purchase." in text(page)
    assert 'disabled data-testid="continue-checkout"' in text(page)
    url = reverse("console:push_buy_checkout", args=[app.pk]) + "?capacity=1&months=1"
    response, _key = checkout_post(client, url)
    assert response.status_code == 400
    assert "Real-name verification is required" in text(response)
    assert not Order.objects.exists()


def test_resource_role_cannot_buy(client, account):
    app = PushAppFactory(account=account)
    member(client, account, Membership.Role.RESOURCE)
    page = client.get(reverse("console:push_buy", args=[app.pk]))
    assert "cannot spend money" in text(page)
    response = client.post(
        reverse("console:push_buy_checkout", args=[app.pk]) + "?capacity=1&months=1",
        {"idempotency_key": "a" * 32},
    )
    assert response.status_code == 403
    assert not Order.objects.exists()


def test_readonly_cannot_change_anything(client, account):
    app = PushAppFactory(account=account)
    prepaid = PushAppFactory(account=account)
    sub = buy(account, prepaid).subscription
    member(client, account, Membership.Role.READONLY)
    assert client.get(reverse("console:push")).status_code == 200
    assert client.get(reverse("console:push_app", args=[app.pk])).status_code == 200
    refused = [
        (
            reverse("console:push_create"),
            {"platform": "ios", "name": "x", "access_point": "shanghai"},
        ),
        (reverse("console:push_buy_checkout", args=[app.pk]) + "?capacity=1&months=1", {}),
        (reverse("console:push_upgrade_checkout", args=[prepaid.pk]) + "?capacity=20", {}),
        (reverse("console:push_renew_checkout", args=[sub.pk]) + "?months=1", {}),
        (reverse("console:push_postpaid"), {"app": [app.pk], "confirm": "1"}),
        (reverse("console:renewals_auto_renew"), {"subscription": [sub.pk], "enabled": "1"}),
    ]
    for url, data in refused:
        assert client.post(url, {"idempotency_key": "b" * 32, **data}).status_code == 403, url
    assert Order.objects.count() == 1
    assert account.push_apps.count() == 2
    sub.refresh_from_db()
    assert not sub.auto_renew


def test_charity_and_postpaid_apps_explain_why_they_cannot_buy(owner, account):
    charity = PushAppFactory(account=account, charity=True)
    postpaid = PushAppFactory(account=account, billing_mode=PushApp.BillingMode.POSTPAID)
    assert "free forever" in text(owner.get(reverse("console:push_buy", args=[charity.pk])))
    assert "cannot switch to prepaid" in text(
        owner.get(reverse("console:push_buy", args=[postpaid.pk]))
    )


# --- another account's objects ---------------------------------------------------------------


def test_another_accounts_app_and_subscription_are_not_found(owner, account):
    other = fund(AccountFactory(), cash="10000")
    app = PushAppFactory(account=other)
    sub = buy(other, PushAppFactory(account=other)).subscription
    for name in (
        "console:push_app",
        "console:push_buy",
        "console:push_buy_preview",
        "console:push_buy_checkout",
        "console:push_upgrade",
        "console:push_upgrade_preview",
        "console:push_upgrade_checkout",
    ):
        assert owner.get(reverse(name, args=[app.pk])).status_code == 404, name
    for name in ("console:push_renew", "console:push_renew_preview", "console:push_renew_checkout"):
        assert owner.get(reverse(name, args=[sub.pk])).status_code == 404, name
    buy_url = reverse("console:push_buy_checkout", args=[app.pk]) + "?capacity=1&months=1"
    assert owner.post(buy_url, {"idempotency_key": "c" * 32}).status_code == 404
    own = PushAppFactory(account=account)
    postpaid = owner.get(reverse("console:push_postpaid"), {"app": [own.pk, app.pk]})
    assert postpaid.status_code == 404
    assert Order.objects.filter(account=account).count() == 0


# --- upgrade ---------------------------------------------------------------------------------


@pytest.fixture
def prepaid_app(account):
    app = PushAppFactory(account=account, access_point="guangzhou")
    start = dt.datetime(2026, 3, 1, 10, 0, tzinfo=BILLING_TZ)
    buy(account, app, capacity_wan=10, months=12, now=start)  # expires 2027-03-01
    return app


def test_upgrade_preview_shows_remaining_days_and_formula(owner, prepaid_app):
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=BILLING_TZ)):
        response = owner.get(
            reverse("console:push_upgrade_preview", args=[prepaid_app.pk]), {"capacity": "20"}
        )
    page = text(response)
    # 90 days to 2027-03-01; (16,000 − 8,000) × 90 ÷ (365 ÷ 12) = 23,671.23
    assert 'data-testid="remaining-days">90<' in page
    assert "(¥16,000.00 − ¥8,000.00) × 90 ÷ (365 ÷ 12)" in page
    assert "¥23,671.23" in page


def test_upgrade_through_checkout_keeps_the_expiry(owner, account, prepaid_app):
    sub = PushSubscription.objects.get(app=prepaid_app)
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=BILLING_TZ)):
        url = reverse("console:push_upgrade_checkout", args=[prepaid_app.pk]) + "?capacity=20"
        response, _key = checkout_post(owner, url)
    assert response.status_code == 302
    upgraded = PushSubscription.objects.get(pk=sub.pk)
    assert upgraded.capacity_wan == 20
    assert upgraded.expires_at == sub.expires_at
    order = Order.objects.get(account=account, kind=Order.Kind.UPGRADE)
    assert order.total == Decimal("23671.23")


@pytest.mark.parametrize("capacity", ["10", "5"])
def test_upgrade_to_the_same_or_a_lower_capacity_is_refused(owner, account, prepaid_app, capacity):
    preview = owner.get(
        reverse("console:push_upgrade_preview", args=[prepaid_app.pk]), {"capacity": capacity}
    )
    assert "Choose a capacity above the current 10万; there is no downgrade." in text(preview)
    url = reverse("console:push_upgrade_checkout", args=[prepaid_app.pk]) + f"?capacity={capacity}"
    assert owner.get(url).status_code == 400
    response = owner.post(url, {"idempotency_key": "d" * 32})
    assert response.status_code == 400
    assert not Order.objects.filter(kind=Order.Kind.UPGRADE).exists()
    assert PushSubscription.objects.get(app=prepaid_app).capacity_wan == 10


def test_trial_app_cannot_be_upgraded(owner, account):
    app = PushAppFactory(account=account)
    response = owner.get(reverse("console:push_upgrade", args=[app.pk]))
    assert "Only prepaid apps can be upgraded" in text(response)
    checkout = owner.get(reverse("console:push_upgrade_checkout", args=[app.pk]) + "?capacity=3")
    assert checkout.status_code == 400


# --- postpaid --------------------------------------------------------------------------------


def test_postpaid_confirmation_shows_prices_and_enables(owner, account):
    apps = PushAppFactory.create_batch(3, account=account, access_point="singapore")
    ids = [app.pk for app in apps]
    page = owner.get(reverse("console:push_postpaid"), {"app": ids})
    assert page.status_code == 200
    body = text(page)
    assert "¥15.20 fixed" in body and "¥0.00152 × DAU" in body
    assert "¥32.00 fixed" in body and "¥0.0032 × DAU" in body
    assert "181 – 360" in body and "80%" in body and "&gt; 720" in body
    assert "cannot be cancelled" in body
    unconfirmed = owner.post(reverse("console:push_postpaid"), {"app": ids})
    assert unconfirmed.status_code == 400
    assert "Tick the box" in text(unconfirmed)
    response = owner.post(reverse("console:push_postpaid"), {"app": ids, "confirm": "1"})
    assert response.status_code == 302
    assert set(PushApp.objects.filter(pk__in=ids).values_list("billing_mode", flat=True)) == {
        "postpaid"
    }


def test_postpaid_for_51_apps_is_refused(owner, account):
    apps = PushAppFactory.create_batch(26, account=account, platform="android") + (
        PushAppFactory.create_batch(25, account=account, platform="ios")
    )
    ids = [app.pk for app in apps]
    page = owner.get(reverse("console:push_postpaid"), {"app": ids})
    assert page.status_code == 400
    assert "at most 50 apps at once; you selected 51" in text(page)
    response = owner.post(reverse("console:push_postpaid"), {"app": ids, "confirm": "1"})
    assert response.status_code == 400
    assert not PushApp.objects.filter(billing_mode="postpaid").exists()
    fifty = owner.post(reverse("console:push_postpaid"), {"app": ids[:50], "confirm": "1"})
    assert fifty.status_code == 302
    assert PushApp.objects.filter(billing_mode="postpaid").count() == 50


def test_postpaid_refuses_prepaid_apps_with_the_reason(owner, account, prepaid_app):
    page = owner.get(reverse("console:push_postpaid"), {"app": [prepaid_app.pk]})
    assert "Has prepaid service; postpaid is for trial apps." in text(page)
    response = owner.post(
        reverse("console:push_postpaid"), {"app": [prepaid_app.pk], "confirm": "1"}
    )
    assert response.status_code == 400
    prepaid_app.refresh_from_db()
    assert prepaid_app.billing_mode == "prepaid"


def test_resource_role_cannot_enable_postpaid(client, account):
    app = PushAppFactory(account=account)
    member(client, account, Membership.Role.RESOURCE)
    page = client.get(reverse("console:push_postpaid"), {"app": [app.pk]})
    assert "cannot spend money" in text(page)
    response = client.post(reverse("console:push_postpaid"), {"app": [app.pk], "confirm": "1"})
    assert response.status_code == 403


# --- detail ----------------------------------------------------------------------------------


def test_detail_page(owner, account, prepaid_app):
    PushDauDaily.objects.create(app=prepaid_app, day=dt.date.today(), dau=12345)
    response = owner.get(reverse("console:push_app", args=[prepaid_app.pk]))
    assert response.status_code == 200
    page = text(response)
    assert prepaid_app.access_id in page
    assert "can never be changed" in page
    assert "10万" in page
    assert Order.objects.get(app=prepaid_app).number in page


def test_checkout_summary_reads_in_chinese(owner, account):
    app = PushAppFactory(account=account, access_point="singapore")
    owner.cookies["django_language"] = "zh-hans"
    url = reverse("console:push_buy_checkout", args=[app.pk]) + "?capacity=10&months=1"
    page = text(owner.get(url))
    assert "移动推送预付费，新加坡：10万 日活峰值 × 1 个月" in page


@pytest.mark.parametrize(
    "region, first_months, renew_months",
    [("singapore", 1, 12), ("singapore", 12, 1), ("guangzhou", 3, 24), ("guangzhou", 24, 6)],
)
def test_upgrade_after_renewing_for_another_duration_charges_what_the_page_showed(
    owner, account, region, first_months, renew_months
):
    """SPEC §3: the original order's duration band prices the upgrade, on the page and in the
    charge (the page once used the current period's band and showed another price)."""
    fund(account, cash="5000000")
    app = PushAppFactory(account=account, access_point=region)
    start = dt.datetime(2026, 1, 5, 10, 0, tzinfo=BILLING_TZ)
    buy(account, app, capacity_wan=60, months=first_months, now=start)
    sub = PushSubscription.objects.get(app=app)
    push_services.renew(
        acting=Acting(account=account, role="owner"),
        user=account.owner,
        subscription=sub,
        months=renew_months,
        idempotency_key=f"renew-{app.pk}",
        now=start + dt.timedelta(days=2),
    )
    with time_machine.travel(start + dt.timedelta(days=10)):
        url = reverse("console:push_upgrade_checkout", args=[app.pk]) + "?capacity=100"
        response, fields = checkout_post(owner, url)
        sub.refresh_from_db()
        expected = pricing.push_upgrade_quote(
            region=region,
            from_capacity_wan=60,
            to_capacity_wan=100,
            months=first_months,
            remaining_days=push_services.upgrade_days_left(sub, now=timezone.now()),
        ).total
    assert response.status_code == 302, text(response)[:1500]
    order = Order.objects.get(account=account, kind=Order.Kind.UPGRADE)
    assert Decimal(fields["expected_total"]) == order.total == expected
