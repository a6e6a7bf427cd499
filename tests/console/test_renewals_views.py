"""Renewals (续费管理): auto-renew toggles, manual renewal windows, filters (SPEC.md §3)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from billing.days import BILLING_TZ
from billing.models import CaptchaPack, Membership, Order, PushApp, PushSubscription
from billing.selectors import Acting
from billing.services import push as push_services
from tests.factories import AccountFactory, MembershipFactory, PushAppFactory, fund, sku
from tests.helpers import checkout_fields

pytestmark = pytest.mark.django_db

# A one-month subscription bought at this instant expires on 2026-04-01 10:00 (Asia/Shanghai).
BOUGHT = dt.datetime(2026, 3, 1, 10, 0, tzinfo=BILLING_TZ)
EXPIRY = dt.datetime(2026, 4, 1, 10, 0, tzinfo=BILLING_TZ)


def at_day_after_expiry(day: int, hour: int = 12):
    return time_machine.travel(EXPIRY.replace(hour=hour) + dt.timedelta(days=day), tick=False)


def before_expiry():
    return time_machine.travel(dt.datetime(2026, 3, 15, 12, 0, tzinfo=BILLING_TZ), tick=False)


@pytest.fixture
def account():
    return fund(AccountFactory(), cash="100000")


@pytest.fixture
def owner(client, account):
    client.force_login(account.owner)
    return client


def subscribe(account, *, name, access_point="guangzhou", capacity_wan=1, months=1, now=BOUGHT):
    app = PushAppFactory(account=account, name=name, access_point=access_point)
    order = push_services.buy_prepaid(
        acting=Acting(account=account, role="owner"),
        user=account.owner,
        app=app,
        capacity_wan=capacity_wan,
        months=months,
        idempotency_key=f"setup-{name}",
        now=now,
    ).order
    return order.subscription


def checkout_post(client, url):
    page = client.get(url)
    assert page.status_code == 200, page.content.decode()[:3000]
    return client.post(url, {**checkout_fields(page), "voucher_code": ""})


def text(response) -> str:
    return response.content.decode()


# --- the list --------------------------------------------------------------------------------


def test_lists_subscriptions_and_packs_with_days_left(owner, account):
    subscribe(account, name="alpha")
    subscribe(account, name="beta", months=12)
    CaptchaPack.objects.create(
        account=account,
        sku=sku("captcha-trial-20k"),
        kind="trial",
        size=20_000,
        bought_at=dt.datetime(2026, 3, 20, tzinfo=BILLING_TZ),
        expires_at=dt.datetime(2026, 3, 27, tzinfo=BILLING_TZ),
    )
    with time_machine.travel(dt.datetime(2026, 3, 25, 12, 0, tzinfo=BILLING_TZ), tick=False):
        response = owner.get(reverse("console:renewals"))
    page = text(response)
    assert response.status_code == 200
    assert "alpha" in page and "beta" in page
    assert "7 days left" in page  # alpha: 2026-04-01
    assert "Expiring soon" in page
    assert "2 days left" in page  # the trial pack
    assert "CAPTCHA packs are not renewed automatically" in page


def test_filters_by_product_and_expiry_in_the_query_string(owner, account):
    subscribe(account, name="soon")
    subscribe(account, name="later", months=12)
    with time_machine.travel(dt.datetime(2026, 3, 25, 12, 0, tzinfo=BILLING_TZ), tick=False):
        within = owner.get(reverse("console:renewals"), {"within": "30"})
        push_only = owner.get(reverse("console:renewals"), {"product": "push"})
        captcha_only = owner.get(reverse("console:renewals"), {"product": "captcha"})
        partial = owner.get(
            reverse("console:renewals"),
            {"within": "7"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="renewal-table",
        )
    assert "soon" in text(within) and "later" not in text(within)
    assert 'value="30" selected' in text(within)
    assert "packs-card" not in text(push_only)
    assert "later" not in text(captcha_only) and "packs-card" in text(captcha_only)
    assert "<html" not in text(partial) and "soon" in text(partial)


# --- auto-renew ------------------------------------------------------------------------------


def test_switch_turns_auto_renew_on_for_one_row_with_htmx(owner, account):
    sub = subscribe(account, name="solo")
    response = owner.post(
        reverse("console:renewals_auto_renew"),
        {"subscription": sub.pk, "single": "1", "enabled": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert text(response).lstrip().startswith(f'<tr id="sub-row-{sub.pk}"')
    assert "checked" in text(response)
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast == {"message": "Auto-renew is on for solo.", "level": "success"}
    sub.refresh_from_db()
    assert sub.auto_renew
    # Unticking the switch sends no "enabled": off again.
    owner.post(
        reverse("console:renewals_auto_renew"),
        {"subscription": sub.pk, "single": "1"},
        HTTP_HX_REQUEST="true",
    )
    sub.refresh_from_db()
    assert not sub.auto_renew


def test_toggle_without_javascript_redirects_back_to_the_filtered_page(owner, account):
    sub = subscribe(account, name="plain")
    response = owner.post(
        reverse("console:renewals_auto_renew"),
        {"subscription": sub.pk, "single": "1", "enabled": "1", "next": "/renewals/?product=push"},
    )
    assert response.status_code == 302 and response.url == "/renewals/?product=push"
    sub.refresh_from_db()
    assert sub.auto_renew
    unsafe = owner.post(
        reverse("console:renewals_auto_renew"),
        {"subscription": sub.pk, "enabled": "1", "next": "https://evil.example/"},
    )
    assert unsafe.url == reverse("console:renewals")


def test_batch_turns_auto_renew_on_for_selected_rows(owner, account):
    first, second, third = (subscribe(account, name=n) for n in ("one", "two", "three"))
    response = owner.post(
        reverse("console:renewals_auto_renew"),
        {"subscription": [first.pk, second.pk], "enabled": "1", "product": "push"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="renewal-table"' in text(response)
    assert "packs-card" not in text(response)  # the page's filter came back with the form
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast["message"] == "Auto-renew turned on for 2 subscriptions."
    assert list(PushSubscription.objects.order_by("pk").values_list("auto_renew", flat=True)) == [
        True,
        True,
        False,
    ]
    off = owner.post(
        reverse("console:renewals_auto_renew"),
        {"subscription": [first.pk, third.pk], "enabled": ""},
    )
    assert off.status_code == 302
    assert list(PushSubscription.objects.order_by("pk").values_list("auto_renew", flat=True)) == [
        False,
        True,
        False,
    ]


def test_batch_with_nothing_selected_explains(owner, account):
    subscribe(account, name="lonely")
    response = owner.post(
        reverse("console:renewals_auto_renew"), {"enabled": "1"}, HTTP_HX_REQUEST="true"
    )
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast == {"message": "Select at least one subscription.", "level": "danger"}


@pytest.mark.parametrize("role", [Membership.Role.READONLY, Membership.Role.RESOURCE])
def test_roles_without_money_cannot_toggle(client, account, role):
    sub = subscribe(account, name="guarded")
    client.force_login(MembershipFactory(account=account, role=role).user)
    page = client.get(reverse("console:renewals"))
    assert "cannot change renewals" in text(page)
    response = client.post(
        reverse("console:renewals_auto_renew"), {"subscription": sub.pk, "enabled": "1"}
    )
    assert response.status_code == 403
    sub.refresh_from_db()
    assert not sub.auto_renew


def test_finance_can_toggle(client, account):
    sub = subscribe(account, name="money")
    client.force_login(MembershipFactory(account=account, role=Membership.Role.FINANCE).user)
    client.post(reverse("console:renewals_auto_renew"), {"subscription": sub.pk, "enabled": "1"})
    sub.refresh_from_db()
    assert sub.auto_renew


def test_another_accounts_subscription_is_not_found(owner, account):
    mine = subscribe(account, name="mine")
    other = fund(AccountFactory(), cash="10000")
    theirs = subscribe(other, name="theirs")
    response = owner.post(
        reverse("console:renewals_auto_renew"),
        {"subscription": [mine.pk, theirs.pk], "enabled": "1"},
    )
    assert response.status_code == 404
    assert not PushSubscription.objects.filter(auto_renew=True).exists()
    assert "theirs" not in text(owner.get(reverse("console:renewals")))


# --- manual renewal --------------------------------------------------------------------------


def test_renewal_on_day_3_after_expiry_starts_at_the_old_expiry(owner, account):
    sub = subscribe(account, name="late")
    with at_day_after_expiry(3):
        page = owner.get(reverse("console:push_renew", args=[sub.pk]), {"months": "2"})
        assert "Expired · day 3 after expiry" in text(page)
        assert "2026-04-01 → 2026-06-01" in text(page)
        response = checkout_post(
            owner, reverse("console:push_renew_checkout", args=[sub.pk]) + "?months=2"
        )
    assert response.status_code == 302
    order = Order.objects.get(account=account, kind=Order.Kind.RENEWAL)
    assert order.period_start == EXPIRY
    assert order.total == Decimal("1600.00")
    sub.refresh_from_db()
    assert sub.expires_at == dt.datetime(2026, 6, 1, 10, 0, tzinfo=BILLING_TZ)
    assert sub.months == 2


def test_renewal_while_active_keeps_the_duration_by_default(owner, account):
    sub = subscribe(account, name="early", months=3)
    with time_machine.travel(dt.datetime(2026, 5, 20, 9, 0, tzinfo=BILLING_TZ), tick=False):
        page = owner.get(reverse("console:push_renew", args=[sub.pk]))
        assert 'value="3" autocomplete="off" checked' in text(page)
        response = checkout_post(
            owner, reverse("console:push_renew_checkout", args=[sub.pk]) + "?months=3"
        )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.expires_at == dt.datetime(2026, 9, 1, 10, 0, tzinfo=BILLING_TZ)


def test_renewal_on_day_8_is_refused_and_explained(owner, account):
    sub = subscribe(account, name="stopped")
    PushApp.objects.filter(pk=sub.app_id).update(
        state=PushApp.State.STOPPED, stop_reason=PushApp.StopReason.EXPIRED
    )
    with at_day_after_expiry(8):
        listing = owner.get(reverse("console:renewals"))
        assert "Stopped on day 8 after expiry: support must renew it." in text(listing)
        page = owner.get(reverse("console:push_renew", args=[sub.pk]))
        assert "only support can renew it now" in text(page)
        url = reverse("console:push_renew_checkout", args=[sub.pk]) + "?months=1"
        response = owner.post(url, {"idempotency_key": "e" * 32, "expected_total": "4000.00"})
    assert response.status_code == 400
    assert "stopped on day 8 after expiry; contact support" in text(response)
    assert not Order.objects.filter(kind=Order.Kind.RENEWAL).exists()


def test_renewal_on_day_7_is_still_allowed(owner, account):
    sub = subscribe(account, name="last-chance")
    with at_day_after_expiry(7, hour=23):
        listing = owner.get(reverse("console:renewals"))
        assert "Renew by 2026-04-08 or it stops" in text(listing)
        response = checkout_post(
            owner, reverse("console:push_renew_checkout", args=[sub.pk]) + "?months=1"
        )
    assert response.status_code == 302


def test_invalid_renewal_duration(owner, account):
    sub = subscribe(account, name="odd")
    with before_expiry():
        preview = owner.get(reverse("console:push_renew_preview", args=[sub.pk]), {"months": "13"})
    assert "13 is not offered" in text(preview)
    assert (
        owner.get(reverse("console:push_renew_checkout", args=[sub.pk]) + "?months=13").status_code
        == 400
    )


def test_renewal_double_post_creates_one_order(owner, account):
    sub = subscribe(account, name="twice")
    url = reverse("console:push_renew_checkout", args=[sub.pk]) + "?months=1"
    with before_expiry():
        page = owner.get(url)
        fields = checkout_fields(page)
        first = owner.post(url, fields)
        second = owner.post(url, fields)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Order.objects.filter(kind=Order.Kind.RENEWAL).count() == 1
    sub.refresh_from_db()
    assert sub.expires_at == dt.datetime(2026, 5, 1, 10, 0, tzinfo=BILLING_TZ)  # renewed once


def test_resource_role_cannot_renew(client, account):
    sub = subscribe(account, name="res")
    client.force_login(MembershipFactory(account=account, role=Membership.Role.RESOURCE).user)
    with before_expiry():
        page = client.get(reverse("console:push_renew", args=[sub.pk]))
    assert "cannot spend money" in text(page)
    url = reverse("console:push_renew_checkout", args=[sub.pk]) + "?months=1"
    assert client.post(url, {"idempotency_key": "f" * 32}).status_code == 403
