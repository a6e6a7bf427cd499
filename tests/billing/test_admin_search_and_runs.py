"""Support's one search box and "run for this instant" (issue 12 §4)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.errors import BillingError, NotPermitted
from billing.models import BillingRun
from billing.selectors import Acting
from billing.services import refunds, runs
from tests.factories import (
    AccountFactory,
    CaptchaAppFactory,
    MembershipFactory,
    PushAppFactory,
    SupportFactory,
    UserFactory,
    fund,
)
from tests.helpers import prepaid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_client(client):
    client.force_login(SupportFactory(username="searcher"))
    return client


def search(client, q):
    return client.get(reverse("admin:billing_account_search"), {"q": q})


def test_every_handle_support_is_given_finds_the_one_customer(support_client):
    account = fund(AccountFactory(name="Zephyr Games"), cash="800")
    AccountFactory(name="Someone else")
    order = prepaid_order(account)
    app = PushAppFactory(account=account, access_id="4455667788")
    captcha_app = CaptchaAppFactory(account=account)
    member = MembershipFactory(account=account)
    ticket = refunds.request_refund(
        acting=Acting(account=account, role="owner", user=account.owner),
        user=account.owner,
        order=order,
        reason="r",
    )
    timeline = reverse("admin:billing_account_timeline", args=[account.pk])
    for handle in (
        account.owner.email.upper(),
        member.user.email,
        "zephyr",
        app.access_id,
        str(captcha_app.captcha_app_id),
        order.number,
        f"#{ticket.pk}",
    ):
        response = search(support_client, handle)
        assert (response.status_code, response.get("Location")) == (302, timeline), handle


def test_several_matches_are_listed_and_none_is_said(support_client):
    AccountFactory(name="Acme East")
    AccountFactory(name="Acme West")
    page = search(support_client, "acme").content.decode()
    assert "Acme East" in page and "Acme West" in page
    assert "No customer matches" in search(support_client, "nobody-like-this").content.decode()
    index = support_client.get(reverse("admin:index")).content.decode()
    assert 'id="customer-search"' in index


def test_support_runs_billing_for_an_instant_with_the_same_code(support_client):
    url = reverse("admin:billing_billingrun_run")
    assert (
        "Run for an instant"
        in support_client.get(reverse("admin:billing_billingrun_changelist")).content.decode()
    )
    future = timezone.localtime() + dt.timedelta(days=1)
    refused = support_client.post(
        url, {"at_0": future.strftime("%Y-%m-%d"), "at_1": future.strftime("%H:%M:%S")}
    )
    assert "future" in refused.content.decode()
    assert not BillingRun.objects.exists()
    now = timezone.localtime()
    done = support_client.post(
        url, {"at_0": now.strftime("%Y-%m-%d"), "at_1": now.strftime("%H:%M:%S")}
    )
    assert done.status_code == 302
    run = BillingRun.objects.get()
    assert (run.trigger, run.status, run.started_by.username) == ("staff", "completed", "searcher")


def test_running_needs_the_permission():
    with pytest.raises(NotPermitted):
        runs.start_run_for_staff(at=timezone.now(), by=UserFactory(is_staff=True))
    with pytest.raises(BillingError):
        runs.start_run_for_staff(at=timezone.now() + dt.timedelta(hours=1), by=SupportFactory())
    assert not BillingRun.objects.exists()
