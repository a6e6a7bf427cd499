from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Account, CaptchaPack, LedgerEntry, Membership, Order
from tests.factories import AccountFactory, MembershipFactory, fund
from tests.helpers import checkout_fields

pytestmark = pytest.mark.django_db


def signed_in(client, account, *, role=None):
    if role:
        member = MembershipFactory(account=account, role=role)
        client.force_login(member.user)
    else:
        client.force_login(account.owner)
    return client


def checkout_key(client, url):
    """The fields the checkout page posts back (its key and the total it showed)."""
    return checkout_fields(client.get(url))


def test_page_shows_catalog_trial_and_postpaid_state(client):
    account = AccountFactory()
    page = signed_in(client, account).get(reverse("console:captcha")).content.decode()
    assert "Claim the free trial" in page
    assert "¥2,000.00" in page and "¥500,000.00" in page
    assert "Top-up packs can be bought once the account has bought a count pack." in page


def test_trial_is_claimed_once_by_the_main_account(client):
    account = AccountFactory()
    signed_in(client, account)
    client.post(reverse("console:captcha_claim_trial"))
    client.post(reverse("console:captcha_claim_trial"))
    assert CaptchaPack.objects.filter(account=account, kind="trial").count() == 1
    page = client.get(reverse("console:captcha")).content.decode()
    assert "already been claimed" in page


@pytest.mark.parametrize("role", ["admin", "finance"])
def test_sub_accounts_cannot_claim_the_trial(client, role):
    account = AccountFactory()
    signed_in(client, account, role=role)
    response = client.post(reverse("console:captcha_claim_trial"), follow=True)
    assert "Only the main account can claim the free trial" in response.content.decode()
    assert not CaptchaPack.objects.exists()


def test_unverified_account_cannot_claim_or_buy(client):
    account = fund(AccountFactory(verification_state=Account.Verification.UNVERIFIED), cash="9000")
    signed_in(client, account)
    client.post(reverse("console:captcha_claim_trial"))
    url = reverse("console:captcha_buy", args=["captcha-count-1m"])
    response = client.post(url, {"idempotency_key": "k1", "expected_total": "2000.00"})
    assert response.status_code == 400
    assert "Real-name verification is required" in response.content.decode()
    assert not CaptchaPack.objects.exists() and not Order.objects.exists()


def test_buying_a_count_pack_charges_once_even_when_posted_twice(client):
    account = fund(AccountFactory(), cash="5000")
    signed_in(client, account)
    url = reverse("console:captcha_buy", args=["captcha-count-1m"])
    fields = checkout_key(client, url)
    first = client.post(url, fields)
    second = client.post(url, fields)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    account.refresh_from_db()
    assert account.cash_balance == Decimal("3000.00")
    assert Order.objects.filter(account=account).count() == 1
    assert LedgerEntry.objects.filter(account=account, kind="payment").count() == 1
    assert account.captcha_postpaid == Account.CaptchaPostpaid.ON


def test_top_up_before_any_count_pack_is_refused(client):
    account = fund(AccountFactory(), cash="5000")
    signed_in(client, account)
    url = reverse("console:captcha_buy", args=["captcha-topup-200k"])
    response = client.post(url, {"idempotency_key": "k", "expected_total": "500.00"})
    assert response.status_code == 400
    assert "once the account has bought a count pack" in response.content.decode()
    assert not Order.objects.exists()


def test_stacked_total_after_trial_count_and_top_up(client):
    account = fund(AccountFactory(), cash="5000")
    signed_in(client, account)
    client.post(reverse("console:captcha_claim_trial"))
    for code in ["captcha-count-1m", "captcha-topup-200k"]:
        url = reverse("console:captcha_buy", args=[code])
        client.post(url, checkout_key(client, url))
    page = client.get(reverse("console:captcha"))
    assert page.context["live_remaining"] == 1_220_000


def test_insufficient_balance_shows_the_shortfall_and_charges_nothing(client):
    account = fund(AccountFactory(), cash="500", gift="100")
    signed_in(client, account)
    url = reverse("console:captcha_buy", args=["captcha-count-1m"])
    response = client.post(url, checkout_key(client, url))
    assert response.status_code == 400
    assert "¥1,400.00 more is needed" in response.content.decode()
    account.refresh_from_db()
    assert (account.cash_balance, account.gift_balance) == (Decimal("500.00"), Decimal("100.00"))


@pytest.mark.parametrize("role", ["resource", "readonly"])
def test_roles_that_cannot_spend_are_refused(client, role):
    account = fund(AccountFactory(), cash="5000")
    signed_in(client, account, role=role)
    url = reverse("console:captcha_buy", args=["captcha-count-1m"])
    assert client.post(url, {"idempotency_key": "k"}).status_code == 403
    assert not Order.objects.exists()


def test_resource_role_creates_apps_readonly_cannot(client):
    account = AccountFactory()
    signed_in(client, account, role=Membership.Role.RESOURCE)
    client.post(reverse("console:captcha_create_app"), {"name": "Login page"})
    assert account.captcha_apps.count() == 1
    client.logout()
    signed_in(client, account, role=Membership.Role.READONLY)
    assert client.post(reverse("console:captcha_create_app"), {"name": "x"}).status_code == 403


def test_app_creation_over_htmx_swaps_the_list_and_shows_errors(client):
    account = AccountFactory()
    signed_in(client, account)
    response = client.post(
        reverse("console:captcha_create_app"), {"name": "  "}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert 'id="captcha-apps"' in response.content.decode()
    assert "<html" not in response.content.decode()
    assert not account.captcha_apps.exists()


def test_failed_postpaid_enablement_can_be_requested(client):
    account = AccountFactory()
    signed_in(client, account)
    Account.objects.filter(pk=account.pk).update(captcha_postpaid="failed")
    fund(account, gift="2000")
    url = reverse("console:captcha_buy", args=["captcha-count-1m"])
    client.post(url, checkout_key(client, url))
    account.refresh_from_db()
    assert account.captcha_postpaid == Account.CaptchaPostpaid.FAILED  # balance 0 after paying
    client.post(reverse("console:captcha_request_postpaid"))
    account.refresh_from_db()
    assert account.captcha_postpaid == Account.CaptchaPostpaid.REQUESTED


def test_unknown_or_trial_sku_is_404(client):
    signed_in(client, AccountFactory())
    assert client.get(reverse("console:captcha_buy", args=["captcha-trial-20k"])).status_code == 404
    assert client.get(reverse("console:captcha_buy", args=["nope"])).status_code == 404


def test_readonly_member_cannot_claim_the_trial_or_request_postpaid(client):
    account = AccountFactory()
    Account.objects.filter(pk=account.pk).update(captcha_postpaid="failed")
    signed_in(client, account, role=Membership.Role.READONLY)
    page = client.get(reverse("console:captcha")).content.decode()
    assert "cannot spend money" in page
    assert client.post(reverse("console:captcha_claim_trial")).status_code == 403
    assert client.post(reverse("console:captcha_request_postpaid")).status_code == 403
    account.refresh_from_db()
    assert account.captcha_postpaid == Account.CaptchaPostpaid.FAILED
    assert not CaptchaPack.objects.exists()


def test_another_accounts_packs_are_not_shown(client):
    other = fund(AccountFactory(), cash="5000")
    signed_in(client, other)
    url = reverse("console:captcha_buy", args=["captcha-count-1m"])
    client.post(url, checkout_key(client, url))
    order = Order.objects.get(account=other)
    client.logout()
    signed_in(client, AccountFactory())
    response = client.get(reverse("console:captcha"))
    assert response.context["packs"] == [] and response.context["live_remaining"] == 0
    assert order.number not in response.content.decode()
    assert client.get(reverse("console:order_detail", args=[order.number])).status_code == 404


def test_checkout_get_shows_the_quote_without_charging(client):
    account = fund(AccountFactory(), cash="5000")
    signed_in(client, account)
    page = client.get(reverse("console:captcha_buy", args=["captcha-count-2m"])).content.decode()
    assert "¥2,700.00" in page
    assert not Order.objects.exists()


def test_catalog_shows_the_price_per_10000_to_the_fen(client):
    signed_in(client, AccountFactory())
    page = client.get(reverse("console:captcha")).content.decode()
    for per_10k in ("¥13.50", "¥11.40", "¥8.80", "¥7.80", "¥6.44"):
        assert per_10k in page


@pytest.mark.parametrize(
    "cash, warned, postpaid", [("2000", True, "failed"), ("2500", False, "on")]
)
def test_the_checkout_warns_when_paying_leaves_nothing_to_switch_postpaid_on(
    client, cash, warned, postpaid
):
    account = fund(AccountFactory(), cash=cash)
    signed_in(client, account)
    url = reverse("console:captcha_buy", args=["captcha-count-1m"])
    page = client.get(url)
    assert ('data-testid="checkout-warning"' in page.text) is warned
    client.post(url, checkout_fields(page))
    account.refresh_from_db()
    assert account.captcha_postpaid == postpaid


def test_the_top_up_pack_is_called_jiayoubao_in_chinese(client):
    """The product documents call it 加油包."""
    signed_in(client, AccountFactory())
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/captcha/"})
    page = client.get(reverse("console:captcha")).text
    assert "加油包" in page and "加量包" not in page
