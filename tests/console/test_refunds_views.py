import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from billing import roles
from billing.models import Account, CaptchaPack, RefundTicket
from billing.selectors import Acting
from billing.services import captcha, push
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    PushAppFactory,
    UserFactory,
    fund,
    sku,
)

pytestmark = pytest.mark.django_db


def bought(account):
    app = PushAppFactory(account=account, access_point="guangzhou")
    return push.buy_prepaid(
        acting=Acting(account=account, role=roles.OWNER),
        user=account.owner,
        app=app,
        capacity_wan=1,
        months=1,
        idempotency_key="buy",
    ).order


def test_request_page_shows_kind_amount_and_split_then_submits(client):
    account = fund(AccountFactory(), cash="600", gift="200")
    order = bought(account)
    client.force_login(account.owner)
    url = reverse("console:refund_request", args=[order.number])
    page = client.get(url).content.decode()
    assert "Five-day no-reason refund" in page and "¥800.00" in page
    assert "¥600.00 cash and ¥200.00 gift credit" in page
    response = client.post(url, {"reason": "Wrong app"})
    assert response.status_code == 302
    ticket = RefundTicket.objects.get(order=order)
    assert (ticket.kind, ticket.quoted_amount) == ("five_day", Decimal("800.00"))
    assert "Submitted" in client.get(reverse("console:refunds")).content.decode()


def test_empty_reason_is_refused(client):
    account = fund(AccountFactory(), cash="800")
    order = bought(account)
    client.force_login(account.owner)
    response = client.post(reverse("console:refund_request", args=[order.number]), {"reason": ""})
    assert response.status_code == 400
    assert not RefundTicket.objects.exists()


def test_another_accounts_order_and_ticket_are_404(client):
    account = fund(AccountFactory(), cash="800")
    order = bought(account)
    client.force_login(account.owner)
    client.post(reverse("console:refund_request", args=[order.number]), {"reason": "r"})
    ticket = RefundTicket.objects.get()
    client.force_login(AccountFactory().owner)
    assert client.get(reverse("console:refund_request", args=[order.number])).status_code == 404
    assert client.post(reverse("console:refund_withdraw", args=[ticket.pk])).status_code == 404


def test_customer_withdraws_until_approved(client):
    account = fund(AccountFactory(), cash="800")
    order = bought(account)
    client.force_login(account.owner)
    client.post(reverse("console:refund_request", args=[order.number]), {"reason": "r"})
    ticket = RefundTicket.objects.get()
    client.post(reverse("console:refund_withdraw", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.status == RefundTicket.Status.WITHDRAWN


def test_resource_member_cannot_request(client):
    account = fund(AccountFactory(), cash="800")
    order = bought(account)
    client.force_login(MembershipFactory(account=account, role="resource").user)
    url = reverse("console:refund_request", args=[order.number])
    assert client.post(url, {"reason": "r"}).status_code == 403


def test_order_detail_links_to_the_refund_request(client):
    account = fund(AccountFactory(), cash="800")
    order = bought(account)
    client.force_login(account.owner)
    page = client.get(reverse("console:order_detail", args=[order.number])).content.decode()
    assert reverse("console:refund_request", args=[order.number]) in page


@pytest.fixture
def support(client):
    user = UserFactory(username="support-r", is_staff=True)
    user.groups.add(Group.objects.get(name="Support"))
    client.force_login(user)
    return user


def test_support_queue_counts_and_approves(client, support):
    account = fund(AccountFactory(), cash="800")
    Account.objects.filter(pk=account.pk).update(
        five_day_refund_used_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    account.refresh_from_db()
    order = bought(account)
    client.force_login(account.owner)
    client.post(reverse("console:refund_request", args=[order.number]), {"reason": "r"})
    client.force_login(support)
    ticket = RefundTicket.objects.get()
    listing = client.get(reverse("admin:billing_refundticket_changelist")).content.decode()
    assert "Submitted: <strong>1</strong>" in listing
    page = client.get(
        reverse("admin:billing_refundticket_change", args=[ticket.pk])
    ).content.decode()
    assert "computed amount" in page
    decide = reverse("admin:billing_refundticket_decide", args=[ticket.pk, "approve"])
    client.post(decide, {"amount": "9999", "reason": "x"})
    ticket.refresh_from_db()
    assert ticket.status == RefundTicket.Status.SUBMITTED  # refused: more than computed
    client.post(decide, {"amount": "", "reason": ""})
    ticket.refresh_from_db()
    assert ticket.status == RefundTicket.Status.REFUNDED
    assert ticket.decided_by == support


def test_bulk_approve_leaves_failing_tickets_with_a_message(client, support):
    account = fund(AccountFactory(), cash="5000")
    push_order = bought(account)
    pack_order = captcha.buy_pack(
        acting=Acting(account=account, role=roles.OWNER),
        user=account.owner,
        sku=sku("captcha-count-1m"),
        idempotency_key="pack",
    ).order
    client.force_login(account.owner)
    for order in (push_order, pack_order):
        client.post(reverse("console:refund_request", args=[order.number]), {"reason": "r"})
    CaptchaPack.objects.filter(order=pack_order).update(used=10)  # used after the request
    client.force_login(support)
    response = client.post(
        reverse("admin:billing_refundticket_changelist"),
        {
            "action": "approve_passing",
            "_selected_action": list(RefundTicket.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )
    body = response.content.decode()
    assert "1 tickets approved and refunded." in body
    assert "not been used at all" in body
    statuses = dict(RefundTicket.objects.values_list("order_id", "status"))
    assert statuses == {push_order.pk: "refunded", pack_order.pk: "submitted"}


def test_staff_outside_support_cannot_see_refund_tickets(client):
    client.force_login(UserFactory(username="intern", is_staff=True))
    assert client.get(reverse("admin:billing_refundticket_changelist")).status_code == 403


def test_a_refund_order_reads_as_returned_to_balance(client):
    from billing.models import Order
    from billing.services import refunds

    account = fund(AccountFactory(), cash="800")
    order = bought(account)
    ticket = refunds.request_refund(
        acting=Acting(account=account, role=roles.OWNER),
        user=account.owner,
        order=order,
        reason="Wrong app",
    )
    refunds.approve(ticket=ticket, by=UserFactory(is_staff=True))
    refund = Order.objects.get(refund_of=order)
    client.force_login(account.owner)
    listing = client.get(reverse("console:orders")).content.decode()
    detail = client.get(reverse("console:order_detail", args=[refund.number])).content.decode()
    assert "Returned to balance" in listing and "Returned to balance" in detail
