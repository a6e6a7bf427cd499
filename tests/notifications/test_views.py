"""The Messages pages: inbox, unread badge, mark read with HTMX, subscription settings."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from notifications.kinds import Category, Channel, Kind
from notifications.models import Delivery, Recipient, Subscription
from notifications.services import notify
from tests.factories import AccountFactory, MembershipFactory, PushAppFactory, UserFactory

EXPIRES = dt.datetime(2026, 3, 4, 16, 0, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def inbox_of(account):
    """Three in-site messages for the owner: two expiry reminders and a balance alert."""
    app = PushAppFactory(account=account, name="Hero Chat", access_id="1500000042")
    for day in (dt.date(2026, 3, 1), dt.date(2026, 3, 2)):
        notify(
            kind=Kind.PUSH_EXPIRY_REMINDER,
            account=account,
            subject=app,
            day=day,
            context={"expires_at": EXPIRES, "days_left": 3},
        )
    notify(
        kind=Kind.BALANCE_ALERT,
        account=account,
        subject=account,
        day=dt.date(2026, 3, 2),
        context={"available_balance": Decimal("50"), "threshold": Decimal("100")},
    )
    return Delivery.objects.filter(channel=Channel.INSITE, recipient__account=account)


@pytest.fixture
def owner_client(client, account):
    client.force_login(account.owner)
    return client


def _badge(html: str) -> str | None:
    match = re.search(r'id="unread-badge"[^>]*>(\d+)<', html)
    return match.group(1) if match else None


@pytest.mark.django_db
def test_inbox_lists_messages_and_the_nav_shows_the_unread_count(owner_client, inbox_of):
    page = owner_client.get(reverse("notifications:inbox"))
    assert page.status_code == 200
    assert page.context["unread_message_count"] == 3
    assert _badge(page.text) == "3"
    assert page.text.count('data-testid="message-row"') == 3
    assert "Mobile Push app Hero Chat (1500000042) expires in 3 days" in page.text
    assert "Balance alert: ¥50.00 left" in page.text
    overview = owner_client.get(reverse("console:overview"))
    assert _badge(overview.text) == "3"


@pytest.mark.django_db
def test_category_filter(owner_client, inbox_of):
    page = owner_client.get(reverse("notifications:inbox"), {"category": Category.BALANCE})
    assert page.text.count('data-testid="message-row"') == 1
    assert "Balance alert" in page.text
    partial = owner_client.get(
        reverse("notifications:inbox"), {"category": Category.EXPIRY_RENEWAL}, **HTMX
    )
    assert partial.text.lstrip().startswith('<div id="inbox-panel"')
    assert "<html" not in partial.text
    assert partial.text.count('data-testid="message-row"') == 2


@pytest.mark.django_db
def test_mark_one_read_with_htmx_swaps_the_row_and_the_badge(owner_client, inbox_of):
    message = inbox_of.filter(notice__kind=Kind.BALANCE_ALERT).get()
    response = owner_client.post(reverse("notifications:mark_read", args=[message.pk]), **HTMX)
    assert response.status_code == 200
    assert f'id="message-{message.pk}"' in response.text
    assert 'data-unread="false"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert _badge(response.text) == "2"
    message.refresh_from_db()
    assert message.read_at is not None


@pytest.mark.django_db
def test_mark_all_read(owner_client, inbox_of):
    response = owner_client.post(reverse("notifications:mark_all_read"), **HTMX)
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"]) == {
        "toast": {"message": "3 messages marked as read.", "level": "success"}
    }
    assert 'id="unread-badge" hx-swap-oob="true" class="d-none"' in response.text
    assert not inbox_of.filter(read_at__isnull=True).exists()
    page = owner_client.get(reverse("notifications:inbox"))
    assert _badge(page.text) is None


@pytest.mark.django_db
def test_opening_a_message_reads_it(owner_client, inbox_of):
    message = inbox_of.filter(notice__kind=Kind.BALANCE_ALERT).get()
    page = owner_client.get(reverse("notifications:message", args=[message.pk]))
    assert page.status_code == 200
    assert "¥50.00" in page.text and "Recharge now" in page.text
    assert _badge(page.text) == "2"


@pytest.mark.django_db
def test_in_site_messages_follow_the_console_language(owner_client, inbox_of):
    message = inbox_of.filter(notice__kind=Kind.BALANCE_ALERT).get()
    page = owner_client.get(
        reverse("notifications:message", args=[message.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "【余额预警】" in page.text


@pytest.mark.django_db
def test_someone_elses_messages_are_not_found(client, inbox_of):
    stranger = AccountFactory()
    client.force_login(stranger.owner)
    message = inbox_of.first()
    assert client.get(reverse("notifications:message", args=[message.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[message.pk])).status_code == 404
    client.post(reverse("notifications:mark_all_read"))
    message.refresh_from_db()
    assert message.read_at is None


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


@pytest.mark.django_db
def test_settings_page_shows_recipients_and_matrices(owner_client, account):
    page = owner_client.get(reverse("notifications:settings"))
    assert page.status_code == 200
    owner = account.message_recipients.get(is_owner=True)
    assert f'data-testid="matrix-{owner.pk}"' in page.text
    assert page.text.count('name="cells"') == len(Category) * len(Channel)
    assert "Verified" in page.text


@pytest.mark.django_db
def test_add_recipient_verify_by_code_and_save_the_matrix(
    owner_client, account, django_capture_on_commit_callbacks
):
    response = owner_client.post(
        reverse("notifications:recipient_add"),
        {"name": "Ops desk", "email": "ops@example.com", "mobile": "13900139000"},
    )
    assert response.status_code == 302
    ops = Recipient.objects.get(account=account, name="Ops desk")
    assert str(ops.mobile) == "+8613900139000"
    assert not ops.email_verified

    with django_capture_on_commit_callbacks(execute=True):
        sent = owner_client.post(reverse("notifications:code_send", args=[ops.pk, "email"]), **HTMX)
    assert sent.status_code == 200
    assert f'id="verify-{ops.pk}"' in sent.text
    assert (
        json.loads(sent.headers["HX-Trigger"])["toast"]["message"]
        == "A code was sent to ops@example.com."
    )
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject).group(1)

    wrong = owner_client.post(
        reverse("notifications:code_confirm", args=[ops.pk, "email"]), {"code": "12345x"}, **HTMX
    )
    assert "Enter the 6-digit code." in wrong.text
    ok = owner_client.post(
        reverse("notifications:code_confirm", args=[ops.pk, "email"]), {"code": code}, **HTMX
    )
    assert ok.headers["HX-Redirect"] == reverse("notifications:settings")
    ops.refresh_from_db()
    assert ops.email_verified

    saved = owner_client.post(
        reverse("notifications:subscriptions_save", args=[ops.pk]),
        {"cells": ["expiry_renewal:email", "arrears_stop:sms"]},
        **HTMX,
    )
    assert saved.status_code == 200
    assert saved.text.lstrip().startswith(f'<form id="matrix-{ops.pk}"')
    assert set(Subscription.objects.filter(recipient=ops).values_list("category", "channel")) == {
        ("expiry_renewal", "email"),
        ("arrears_stop", "sms"),
    }


@pytest.mark.django_db
def test_add_recipient_needs_an_address(owner_client, account):
    response = owner_client.post(reverse("notifications:recipient_add"), {"name": "Nobody"})
    assert response.status_code == 400
    assert "Enter an email address or a mobile number." in response.text


@pytest.mark.django_db
def test_readonly_member_reads_messages_but_cannot_change_settings(client, account):
    member = MembershipFactory(account=account, role="readonly", user=UserFactory())
    client.force_login(member.user)
    assert client.get(reverse("notifications:inbox")).status_code == 200
    page = client.get(reverse("notifications:settings"))
    assert page.status_code == 200
    assert "Only the account owner or an admin" in page.text
    assert " disabled " in page.text or " disabled>" in page.text
    owner = account.message_recipients.get(is_owner=True)
    refused = client.post(
        reverse("notifications:subscriptions_save", args=[owner.pk]), {"cells": []}
    )
    assert refused.status_code == 403
    assert owner.subscriptions.count() == len(Category) * len(Channel)


@pytest.mark.django_db
def test_admin_member_sees_their_own_inbox(client, account):
    member = MembershipFactory(
        account=account, role="admin", user=UserFactory(email="a@example.com")
    )
    app = PushAppFactory(account=account)
    notify(
        kind=Kind.PUSH_EXPIRY_REMINDER,
        account=account,
        subject=app,
        day=dt.date(2026, 3, 1),
        context={"expires_at": EXPIRES, "days_left": 3},
    )
    notify(
        kind=Kind.BALANCE_ALERT,
        account=account,
        subject=account,
        day=dt.date(2026, 3, 1),
        context={"available_balance": Decimal("50"), "threshold": Decimal("100")},
    )
    client.force_login(member.user)
    page = client.get(reverse("notifications:inbox"))
    assert page.text.count('data-testid="message-row"') == 1  # expiry yes, balance no
    assert _badge(page.text) == "1"


@pytest.mark.django_db
def test_names_with_ampersands_are_escaped_once_in_subjects_inbox_and_email(
    owner_client, account, django_capture_on_commit_callbacks
):
    app = PushAppFactory(account=account, name="Tom & Jerry <Pro>", access_id="1500000043")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            kind=Kind.PUSH_EXPIRY_REMINDER,
            account=account,
            subject=app,
            day=dt.date(2026, 3, 1),
            context={"expires_at": EXPIRES, "days_left": 3},
        )
    (email,) = mail.outbox
    assert "Tom & Jerry <Pro>" in email.subject
    assert "Tom & Jerry <Pro>" in email.body
    html_body = email.alternatives[0][0]
    assert "Tom &amp; Jerry &lt;Pro&gt;" in html_body and "&amp;amp;" not in html_body
    inbox = owner_client.get(reverse("notifications:inbox")).text
    assert "Tom &amp; Jerry &lt;Pro&gt;" in inbox
    assert "&amp;amp;" not in inbox and "<Pro>" not in inbox
