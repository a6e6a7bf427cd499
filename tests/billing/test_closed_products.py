"""SPEC §1 closed products: a product closed to new customers refuses every new-customer entry,
in the service and on the page; accounts that paid for it before keep every right."""

import re

import pytest
from django.urls import reverse

from billing import roles
from billing.errors import BillingError
from billing.models import Account, CaptchaPack, Product, PushApp
from billing.selectors import Acting
from billing.services import captcha, push
from tests.factories import AccountFactory, PushAppFactory, fund, sku

pytestmark = pytest.mark.django_db


def close(code):
    Product.objects.filter(code=code).update(sale_status=Product.SaleStatus.CLOSED_TO_NEW)


def owner(account):
    return Acting(account=account, role=roles.OWNER)


def test_a_closed_captcha_refuses_the_trial_to_a_new_customer_on_the_page_and_in_the_service(
    client,
):
    close(Product.Code.CAPTCHA)
    account = AccountFactory()
    client.force_login(account.owner)
    page = client.get(reverse("console:captcha"))
    assert "closed to new customers" in page.context["trial_blocker"]
    assert "closed to new customers" in page.text
    with pytest.raises(BillingError, match="closed to new customers"):
        captcha.claim_trial(acting=owner(account))
    client.post(reverse("console:captcha_claim_trial"))
    assert not CaptchaPack.objects.filter(account=account).exists()


def test_a_captcha_customer_from_before_keeps_the_trial():
    account = fund(AccountFactory(), cash="5000")
    captcha.buy_pack(
        acting=owner(account), user=account.owner, sku=sku("captcha-count-1m"), idempotency_key="k"
    )
    close(Product.Code.CAPTCHA)
    assert captcha.claim_trial(acting=owner(account)).kind == "trial"


def test_a_closed_push_refuses_postpaid_to_a_new_customer_on_the_page_and_in_the_service(client):
    close(Product.Code.PUSH)
    account = AccountFactory()
    app = PushAppFactory(account=account)  # trial apps may still be created
    client.force_login(account.owner)
    page = client.get(reverse("console:push_postpaid"), {"app": [app.pk]})
    assert "closed to new customers" in page.context["spend_blocker"]
    assert re.search(r'<button[^>]*disabled[^>]*data-testid="postpaid-submit"', page.text)
    assert "No: see the reason above." in page.text
    with pytest.raises(BillingError, match="closed to new customers"):
        push.enable_postpaid(acting=owner(account), app_ids=[app.pk])
    app.refresh_from_db()
    assert app.billing_mode == PushApp.BillingMode.TRIAL


def test_a_push_customer_from_before_keeps_postpaid():
    account = fund(AccountFactory(), cash="5000")
    push.buy_prepaid(
        acting=owner(account),
        user=account.owner,
        app=PushAppFactory(account=account),
        capacity_wan=1,
        months=1,
        idempotency_key="k",
    )
    close(Product.Code.PUSH)
    app = PushAppFactory(account=account)
    (enabled,) = push.enable_postpaid(acting=owner(account), app_ids=[app.pk])
    assert enabled.billing_mode == PushApp.BillingMode.POSTPAID


def test_an_unverified_account_is_not_told_it_can_enable_postpaid(client):
    account = AccountFactory(verification_state=Account.Verification.UNVERIFIED)
    app = PushAppFactory(account=account)
    client.force_login(account.owner)
    page = client.get(reverse("console:push_postpaid"), {"app": [app.pk]}).text
    assert "Real-name verification is required before enabling postpaid." in page
    assert "No: see the reason above." in page
