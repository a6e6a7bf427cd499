"""A destroyed app says so with the date, keeps its billing history, can be removed from the list
by the customer, and no longer takes one of the 50 places of its platform (issue 12)."""

import pytest
from django.urls import reverse

from billing import policy
from billing.errors import BillingError
from billing.models import AuditEvent, Membership, Order, PushApp
from billing.selectors import Acting
from billing.services import push
from billing.services.lifecycle import run_due_jobs
from tests.factories import AccountFactory, MembershipFactory, PushAppFactory, fund
from tests.helpers import at, prepaid_order

pytestmark = pytest.mark.django_db


def destroyed_app(account):
    order = prepaid_order(account, now=at("2026-11-01", 10, 0))
    run_due_jobs(now=at("2026-12-09", 0, 5))
    run_due_jobs(now=at("2026-12-16", 0, 5))
    app = PushApp.objects.get(pk=order.app_id)
    assert app.state == PushApp.State.DESTROYED
    return app, order


def test_a_destroyed_app_says_so_and_can_be_removed_from_the_list(client):
    account = fund(AccountFactory(), cash="800")
    app, order = destroyed_app(account)
    client.force_login(account.owner)
    detail = client.get(reverse("console:push_app", args=[app.pk])).content.decode()
    assert "data was destroyed on 2026-12-16 00:05" in detail
    assert "Free trial edition" not in detail and order.number in detail
    assert app.name in client.get(reverse("console:push")).content.decode()
    response = client.post(reverse("console:push_hide", args=[app.pk]))
    assert response.status_code == 302
    assert f'data-app="{app.name}"' not in client.get(reverse("console:push")).content.decode()
    # The billing history stays reachable.
    assert order.number in client.get(reverse("console:orders")).content.decode()
    event = AuditEvent.objects.get(action="app_removed")
    assert event.actor == account.owner
    assert client.post(reverse("console:push_hide", args=[app.pk])).status_code == 302
    assert AuditEvent.objects.filter(action="app_removed").count() == 1


def test_only_destroyed_apps_can_be_removed_and_only_by_resource_roles(client):
    account = AccountFactory()
    live = PushAppFactory(account=account)
    owner = Acting(account=account, role="owner", user=account.owner)
    with pytest.raises(BillingError):
        push.hide_destroyed_app(acting=owner, app=live)
    reader = MembershipFactory(account=account, role=Membership.Role.READONLY)
    client.force_login(reader.user)
    assert client.post(reverse("console:push_hide", args=[live.pk])).status_code == 403
    live.refresh_from_db()
    assert live.hidden_at is None


def test_destroyed_apps_do_not_count_toward_the_platform_limit():
    account = AccountFactory()
    owner = Acting(account=account, role="owner", user=account.owner)
    for n in range(policy.PUSH_APPS_PER_PLATFORM - 1):
        PushAppFactory(account=account, platform="android", name=f"a{n}")
    PushAppFactory(
        account=account,
        platform="android",
        name="gone",
        state=PushApp.State.DESTROYED,
        destroyed_at=at("2026-11-01"),
    )
    push.create_app(
        acting=owner, platform="android", name="the 50th live one", access_point="shanghai"
    )
    with pytest.raises(BillingError, match="limit"):
        push.create_app(
            acting=owner, platform="android", name="one too many", access_point="shanghai"
        )
    assert Order.objects.count() == 0
