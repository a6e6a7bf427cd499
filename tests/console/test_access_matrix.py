"""Every console URL, for another account's objects and for every role (issue 13).

MATRIX names each URL pattern of the console and the Messages pages; a URL added without an
entry here fails test_every_url_is_in_the_matrix, so each new page gets these checks too.
"""

import datetime as dt

import pytest
from django.urls import URLResolver, get_resolver, reverse

from billing import roles
from billing.models import (
    ApiKey,
    Invitation,
    LedgerEntry,
    Membership,
    Order,
    PushSubscription,
    Recharge,
    RefundTicket,
)
from billing.selectors import Acting
from billing.services import members, push, refunds
from notifications.kinds import Kind
from notifications.models import Delivery, Recipient
from notifications.services import notify
from tests.factories import AccountFactory, MembershipFactory, PushAppFactory, fund

pytestmark = pytest.mark.django_db

ROLES = ("admin", "finance", "resource", "readonly")
ANY = None  # GET for every role; no POST rule of its own


def _route(kwargs=lambda o: {}, *, post=ANY, public=False):
    return {"kwargs": kwargs, "post": post, "public": public}


MATRIX = {
    "console:overview": _route(),
    "console:account": _route(post=roles.can_manage_members),
    "console:set_language": _route(post=lambda role: True),
    "console:invite_member": _route(post=roles.can_manage_members),
    "console:revoke_invitation": _route(
        lambda o: {"invitation_id": o["invitation"]}, post=roles.can_manage_members
    ),
    "console:invitation": _route(lambda o: {"token": "not-a-token"}, public=True),
    "console:open_own_account": _route(post=lambda role: True),
    "console:change_member": _route(
        lambda o: {"membership_id": o["membership"]}, post=roles.can_manage_members
    ),
    "console:create_api_key": _route(post=roles.can_manage_members),
    "console:revoke_api_key": _route(lambda o: {"key_id": o["key"]}, post=roles.can_manage_members),
    "console:receipt": _route(lambda o: {"number": o["order"]}),
    "console:refund_request": _route(lambda o: {"number": o["order"]}, post=roles.can_spend),
    "console:refunds": _route(),
    "console:refund_withdraw": _route(lambda o: {"ticket_id": o["ticket"]}, post=roles.can_spend),
    "console:captcha": _route(),
    "console:captcha_claim_trial": _route(post=roles.can_change_anything),
    "console:captcha_buy": _route(lambda o: {"code": "captcha-count-1m"}, post=roles.can_spend),
    "console:captcha_request_postpaid": _route(post=roles.can_spend),
    "console:captcha_create_app": _route(post=roles.can_manage_resources),
    "console:orders": _route(),
    "console:order_detail": _route(lambda o: {"number": o["order"]}),
    "console:balance": _route(),
    "console:recharge": _route(post=roles.can_spend),
    "console:transfer_payment": _route(lambda o: {"reference": o["transfer"]}),
    "console:balance_alert": _route(post=roles.can_spend),
    "console:sandbox_payment": _route(lambda o: {"reference": o["sandbox"]}, post=roles.can_spend),
    "console:push": _route(),
    "console:push_create": _route(post=roles.can_manage_resources),
    "console:push_app": _route(lambda o: {"app_id": o["app"]}),
    # Only destroyed apps can be removed: for this live app every role gets a refusal.
    "console:push_hide": _route(lambda o: {"app_id": o["app"]}, post=roles.can_manage_resources),
    "console:push_rename": _route(lambda o: {"app_id": o["app"]}, post=roles.can_manage_resources),
    "console:push_buy": _route(lambda o: {"app_id": o["app"]}),
    "console:push_buy_preview": _route(lambda o: {"app_id": o["app"]}),
    "console:push_buy_checkout": _route(lambda o: {"app_id": o["app"]}, post=roles.can_spend),
    "console:push_upgrade": _route(lambda o: {"app_id": o["app"]}),
    "console:push_upgrade_preview": _route(lambda o: {"app_id": o["app"]}),
    "console:push_upgrade_checkout": _route(lambda o: {"app_id": o["app"]}, post=roles.can_spend),
    "console:push_postpaid": _route(post=roles.can_spend),
    "console:push_renew": _route(lambda o: {"subscription_id": o["subscription"]}),
    "console:push_renew_preview": _route(lambda o: {"subscription_id": o["subscription"]}),
    "console:push_renew_checkout": _route(
        lambda o: {"subscription_id": o["subscription"]}, post=roles.can_spend
    ),
    "console:renewals": _route(),
    "console:renewals_auto_renew": _route(post=roles.can_spend),
    "notifications:inbox": _route(),
    "notifications:message": _route(lambda o: {"pk": o["message"]}),
    "notifications:mark_read": _route(lambda o: {"pk": o["message"]}, post=lambda role: True),
    "notifications:mark_all_read": _route(post=lambda role: True),
    "notifications:settings": _route(),
    "notifications:recipient_add": _route(post=roles.can_manage_members),
    "notifications:recipient_edit": _route(
        lambda o: {"pk": o["recipient"]}, post=roles.can_manage_members
    ),
    "notifications:recipient_remove": _route(
        lambda o: {"pk": o["recipient"]}, post=roles.can_manage_members
    ),
    "notifications:code_send": _route(
        lambda o: {"pk": o["recipient"], "channel": "email"}, post=roles.can_manage_members
    ),
    "notifications:code_confirm": _route(
        lambda o: {"pk": o["recipient"], "channel": "email"}, post=roles.can_manage_members
    ),
    "notifications:subscriptions_save": _route(
        lambda o: {"pk": o["recipient"]}, post=roles.can_manage_members
    ),
}


def _names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _names(pattern.url_patterns, pattern.namespace or namespace)
        elif namespace in ("console", "notifications") and pattern.name:
            yield f"{namespace}:{pattern.name}"


def test_every_url_is_in_the_matrix():
    assert set(_names(get_resolver().url_patterns)) == set(MATRIX)


def objects_of(account) -> dict:
    """One of everything a console URL can name, owned by `account`."""
    acting = Acting(account=account, role=roles.OWNER)
    fund(account, cash="20000")
    app = PushAppFactory(account=account)
    order = push.buy_prepaid(
        acting=acting, user=account.owner, app=app, capacity_wan=1, months=1, idempotency_key="k"
    ).order
    ticket = refunds.request_refund(acting=acting, user=account.owner, order=order, reason="r")
    recipient = Recipient.objects.create(account=account, name="Ops", email="ops@example.com")
    notify(
        kind=Kind.BALANCE_ALERT,
        account=account,
        subject=account,
        day=dt.date(2026, 3, 2),
        context={"available_balance": 1, "threshold": 2},
    )
    return {
        "app": app.pk,
        "order": order.number,
        "subscription": PushSubscription.objects.get(app=app).pk,
        "ticket": ticket.pk,
        "membership": MembershipFactory(account=account, role="readonly").pk,
        "key": ApiKey.objects.create(
            account=account, name="k", secret_id=f"AKID{account.pk:032d}", secret_key="s"
        ).pk,
        "invitation": members.invite_member(
            acting=acting, user=account.owner, email=f"i{account.pk}@x.test", role="admin"
        ).pk,
        "transfer": Recharge.objects.create(
            account=account, amount=1, provider="transfer", provider_reference=f"BT{account.pk}"
        ).provider_reference,
        "sandbox": Recharge.objects.create(
            account=account, amount=1, provider="sandbox", provider_reference=f"SBX{account.pk}"
        ).provider_reference,
        "recipient": recipient.pk,
        "message": Delivery.objects.filter(recipient__account=account, channel="insite").first().pk,
    }


def snapshot() -> tuple:
    return (
        Order.objects.count(),
        LedgerEntry.objects.count(),
        RefundTicket.objects.filter(status="submitted").count(),
        Membership.objects.count(),
        ApiKey.objects.filter(revoked_at__isnull=True).count(),
        Invitation.objects.filter(status="pending").count(),
        Recipient.objects.count(),
        Recharge.objects.filter(status="pending").count(),
        Delivery.objects.filter(read_at__isnull=True).count(),
    )


def test_another_accounts_objects_answer_404_and_change_nothing(client):
    mine, theirs = AccountFactory(), AccountFactory()
    objects_of(mine)
    other = objects_of(theirs)
    client.force_login(mine.owner)
    before = snapshot()
    for name, route in MATRIX.items():
        kwargs = route["kwargs"](other)
        if not kwargs or route["public"] or "code" in kwargs:
            continue  # no object of an account in the address
        url = reverse(name, kwargs=kwargs)
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, {"remove": "1", "confirm": "1"}).status_code in (404, 405), name
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in(client):
    objects = objects_of(AccountFactory())
    for name, route in MATRIX.items():
        if route["public"]:
            continue
        response = client.get(reverse(name, kwargs=route["kwargs"](objects)))
        assert response.status_code in (302, 405), name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login")), name


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_post_exactly_what_its_rules_allow(client, role):
    account = AccountFactory()
    objects = objects_of(account)
    client.force_login(MembershipFactory(account=account, role=role).user)
    for name, route in MATRIX.items():
        if route["post"] is ANY or route["public"]:
            continue
        response = client.post(reverse(name, kwargs=route["kwargs"](objects)), {})
        if route["post"](role):
            assert response.status_code != 403, f"{role} refused at {name}"
        else:
            assert response.status_code == 403, f"{role} allowed at {name}"


def test_a_refused_role_is_told_why_in_its_language(client):
    account = AccountFactory()
    client.force_login(MembershipFactory(account=account, role="readonly").user)
    url = reverse("console:captcha_buy", kwargs={"code": "captcha-count-1m"})
    english = client.post(url, {})
    assert english.status_code == 403
    assert "Your role (Read-only) cannot do this" in english.text
    client.cookies["django_language"] = "zh-hans"
    chinese = client.post(url, {}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "只读" in chinese.text and "readonly" not in chinese.text
