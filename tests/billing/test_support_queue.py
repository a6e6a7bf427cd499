"""Working the refund queue as support: one notice per decision, notices that say what was
decided, the covered orders and the refund order readable, codes hidden in the SMS outbox."""

import pytest
from django.urls import reverse

from billing.models import Order, PushSubscription
from billing.selectors import Acting
from billing.services import refunds
from billing.services.lifecycle import run_due_jobs
from notifications import rendering
from notifications.models import DevSmsMessage, Notice, Recipient
from tests.factories import AccountFactory, SupportFactory, UserFactory, fund
from tests.helpers import at, prepaid_order

pytestmark = pytest.mark.django_db


def ticket_for(account, order):
    return refunds.request_refund(
        acting=Acting(account=account, role="owner", user=account.owner),
        user=account.owner,
        order=order,
        reason="Wrong region",
    )


def updates():
    return Notice.objects.filter(kind="refund_ticket_update").count()


def test_an_approval_tells_the_customer_once():
    account = fund(AccountFactory(), cash="800")
    ticket = ticket_for(account, prepaid_order(account))
    before = updates()
    refunds.approve(ticket=ticket, by=SupportFactory())
    assert updates() == before + 1
    notice = Notice.objects.filter(kind="refund_ticket_update").order_by("-id").first()
    assert notice.context["ticket_status"] == "refunded"


def test_a_rejection_notice_does_not_show_an_amount_as_if_paid():
    account = fund(AccountFactory(), cash="800")
    ticket = ticket_for(account, prepaid_order(account))
    refunds.reject(ticket=ticket, by=SupportFactory(), reason="Used for 20 days")
    notice = Notice.objects.filter(kind="refund_ticket_update").order_by("-id").first()
    owner = Recipient.objects.get(account=account, is_owner=True)
    mail = rendering.render_email(notice=notice, recipient=owner)
    assert "rejected" in mail.subject
    for text in (mail.text, mail.html):
        assert "Amount" not in text and "Refunded" not in text and "¥" not in text
        assert "Used for 20 days" in text


def test_the_ticket_page_lists_the_orders_it_covers_and_says_the_customer_reads_the_reason(
    client,
):
    account = fund(AccountFactory(), cash="800")
    order = prepaid_order(account)
    ticket = ticket_for(account, order)
    client.force_login(SupportFactory())
    page = client.get(reverse("admin:billing_refundticket_change", args=[ticket.pk])).text
    assert "Orders this refund covers" in page and order.number in page
    assert "the customer reads it" in page


def test_the_refund_order_reads_as_a_refund_not_as_raw_json(client):
    account = fund(AccountFactory(), cash="800")
    ticket = ticket_for(account, prepaid_order(account))
    refunds.approve(ticket=ticket, by=SupportFactory())
    refund = Order.objects.get(kind="refund")
    client.force_login(SupportFactory())
    page = client.get(reverse("admin:billing_order_change", args=[refund.pk])).text
    assert "Refund paid back to the balance" in page
    assert '"label"' not in page and "&quot;label&quot;" not in page


def test_support_does_not_see_live_codes_in_the_development_sms_outbox(client):
    DevSmsMessage.objects.create(
        phone_number="+8613800000000",
        template="verification_code",
        params=["482913", "10"],
        text="Your code is 482913, valid for 10 minutes.",
    )
    client.force_login(SupportFactory())
    url = reverse("admin:notifications_devsmsmessage_changelist")
    page = client.get(url).text
    assert "482913" not in page and "••••••" in page
    message = DevSmsMessage.objects.get()
    detail = client.get(reverse("admin:notifications_devsmsmessage_change", args=[message.pk]))
    assert "482913" not in detail.text
    client.force_login(UserFactory(username="dev", is_staff=True, is_superuser=True))
    assert "482913" in client.get(url).text


def test_a_stopped_apps_subscription_does_not_read_active(client):
    account = fund(AccountFactory(), cash="800")
    order = prepaid_order(account, now=at("2026-11-01", 10, 0))
    run_due_jobs(now=at("2026-12-09", 0, 5))
    subscription = PushSubscription.objects.get(original_order=order)
    client.force_login(SupportFactory())
    page = client.get(reverse("admin:billing_pushsubscription_changelist")).text
    assert "Stopped (Prepaid expired)" in page
    detail = client.get(reverse("admin:billing_pushsubscription_change", args=[subscription.pk]))
    assert "until 2026-12-01" in detail.text  # the Shanghai expiry date in its title
