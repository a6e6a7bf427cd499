"""The support back office: what support staff can and cannot do."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from billing.models import Account, LedgerEntry
from tests.factories import AccountFactory, UserFactory, fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_client(client):
    support = UserFactory(username="support-agent", is_staff=True)
    support.groups.add(Group.objects.get(name="Support"))
    client.force_login(support)
    client.user = support
    return client


def test_support_group_can_review_and_adjust_but_not_edit_money():
    perms = set(Group.objects.get(name="Support").permissions.values_list("codename", flat=True))
    assert {"adjust_balance", "review_verification", "view_ledgerentry"} <= perms
    assert not perms & {"add_ledgerentry", "change_ledgerentry", "delete_ledgerentry"}
    assert not perms & {"change_order", "delete_order", "delete_account"}


@pytest.mark.parametrize(
    "model",
    [
        "account",
        "ledgerentry",
        "order",
        "pushapp",
        "captchapack",
        "pushsubscription",
        "voucher",
        "packsku",
        "postpaidbillline",
        "recharge",
        "captchausagedaily",
        "pushdaudaily",
        "billingrun",
        "invitation",
    ],
)
def test_support_sees_every_billing_list(support_client, model):
    AccountFactory()
    response = support_client.get(reverse(f"admin:billing_{model}_changelist"))
    assert response.status_code == 200


def test_ledger_is_read_only_in_the_admin(support_client):
    account = fund(AccountFactory(), cash="10")
    entry = LedgerEntry.objects.get(account=account)
    assert support_client.get(reverse("admin:billing_ledgerentry_add")).status_code == 403
    response = support_client.post(
        reverse("admin:billing_ledgerentry_change", args=[entry.pk]), {"memo": "edited"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.memo != "edited"


def test_money_is_shown_in_yuan_with_two_decimals(support_client):
    fund(AccountFactory(name="Moneybags"), cash="1234.5")
    response = support_client.get(reverse("admin:billing_account_changelist"))
    assert "¥1,234.50" in response.content.decode()


def test_balance_adjustment_writes_a_ledger_entry_with_reason_and_author(support_client):
    account = AccountFactory()
    url = reverse("admin:billing_account_adjust_balance", args=[account.pk])
    page = support_client.get(url)
    key = page.context["form"].initial["idempotency_key"]
    payload = {
        "cash": "500.00",
        "gift": "20.00",
        "reason": "Bank transfer 8812",
        "idempotency_key": key,
    }
    assert support_client.post(url, payload).status_code == 302
    assert support_client.post(url, payload).status_code == 302  # replayed: posts once
    account.refresh_from_db()
    assert (account.cash_balance, account.gift_balance) == (Decimal("500.00"), Decimal("20.00"))
    entry = LedgerEntry.objects.get(account=account)
    assert (entry.kind, entry.reason, entry.created_by) == (
        "adjustment",
        "Bank transfer 8812",
        support_client.user,
    )


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"cash": "0", "gift": "0", "reason": "nothing"}, "Enter a cash or gift amount"),
        ({"cash": "10", "gift": "0", "reason": ""}, "This field is required"),
        ({"cash": "ten", "gift": "0", "reason": "typo"}, "Enter a number"),
        ({"cash": "0", "gift": "-5", "reason": "too much"}, "Gift credit cannot go below zero"),
        ({"cash": "-5000", "gift": "0", "reason": "too much"}, "Cash cannot go below zero"),
    ],
)
def test_bad_adjustments_are_refused_and_change_nothing(support_client, payload, error):
    account = AccountFactory()
    url = reverse("admin:billing_account_adjust_balance", args=[account.pk])
    response = support_client.post(url, {**payload, "idempotency_key": "k"})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not LedgerEntry.objects.filter(account=account).exists()


def test_staff_without_support_group_cannot_adjust(client):
    client.force_login(UserFactory(username="intern", is_staff=True))
    account = AccountFactory()
    url = reverse("admin:billing_account_adjust_balance", args=[account.pk])
    assert client.get(url).status_code == 403


def test_support_approves_and_rejects_verifications(support_client):
    pending = AccountFactory(verification_state=Account.Verification.PENDING)
    other = AccountFactory(verification_state=Account.Verification.PENDING)
    support_client.post(reverse("admin:billing_account_approve_verification", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.verification_state == Account.Verification.VERIFIED

    url = reverse("admin:billing_account_reject_verification", args=[other.pk])
    assert "required" in support_client.post(url, {"reason": ""}).content.decode()
    support_client.post(url, {"reason": "Licence photo unreadable"})
    other.refresh_from_db()
    assert other.verification_state == Account.Verification.REJECTED
    assert other.verification_rejection_reason == "Licence photo unreadable"


def test_bulk_approve_skips_accounts_that_are_not_pending(support_client):
    pending = AccountFactory(verification_state=Account.Verification.PENDING)
    unverified = AccountFactory(verification_state=Account.Verification.UNVERIFIED)
    response = support_client.post(
        reverse("admin:billing_account_changelist"),
        {"action": "approve_verifications", "_selected_action": [pending.pk, unverified.pk]},
        follow=True,
    )
    assert "1 approved, 1 not pending" in response.content.decode()
    unverified.refresh_from_db()
    assert unverified.verification_state == Account.Verification.UNVERIFIED


def test_account_page_shows_balances_as_yuan(support_client):
    account = fund(AccountFactory(), cash="1000.5", gift="12345")
    page = support_client.get(reverse("admin:billing_account_change", args=[account.pk]))
    assert "¥1,000.50" in page.content.decode() and "¥12,345.00" in page.content.decode()
