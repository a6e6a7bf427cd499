"""Payment providers: never the sandbox in production; support confirms bank transfers."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from billing.checks import payment_provider_check, refuse_unsafe_start
from billing.models import LedgerEntry, Recharge
from tests.factories import AccountFactory, UserFactory

SANDBOX = "billing.payments.SandboxPaymentProvider"
TRANSFER = "billing.payments.BankTransferProvider"


def test_sandbox_is_a_system_check_error_where_it_is_not_allowed(settings):
    settings.PAYMENT_PROVIDER = SANDBOX
    settings.PAYMENT_SANDBOX_ALLOWED = False
    assert [error.id for error in payment_provider_check()] == ["billing.E001"]
    assert "billing.E001" in [error.id for error in checks.run_checks(tags=["payments"])]
    with pytest.raises(ImproperlyConfigured, match=r"billing\.E001"):
        refuse_unsafe_start()


def test_bank_transfer_and_an_allowed_sandbox_pass_the_check(settings):
    settings.PAYMENT_SANDBOX_ALLOWED = False
    settings.PAYMENT_PROVIDER = TRANSFER
    assert payment_provider_check() == []
    settings.PAYMENT_PROVIDER = SANDBOX
    settings.PAYMENT_SANDBOX_ALLOWED = True
    assert payment_provider_check() == []


def test_a_provider_that_cannot_be_imported_is_an_error(settings):
    settings.PAYMENT_PROVIDER = "billing.payments.NoSuchProvider"
    assert [error.id for error in payment_provider_check()] == ["billing.E002"]


@pytest.mark.django_db
def test_sandbox_page_is_404_when_the_sandbox_is_not_allowed(client, settings):
    account = AccountFactory()
    client.force_login(account.owner)
    url = client.post(reverse("console:recharge"), {"amount": "500"})["Location"]
    settings.PAYMENT_SANDBOX_ALLOWED = False
    assert client.post(url, {"outcome": "pay"}).status_code == 404
    account.refresh_from_db()
    assert account.cash_balance == 0


@pytest.mark.django_db
def test_bank_transfer_shows_instructions_and_credits_only_when_support_confirms(client, settings):
    settings.PAYMENT_PROVIDER = TRANSFER
    settings.BANK_TRANSFER_PAYEE = "示例云计算有限公司"
    account = AccountFactory()
    client.force_login(account.owner)
    response = client.post(reverse("console:recharge"), {"amount": "800"})
    row = Recharge.objects.get(account=account)
    assert row.provider == "transfer"
    assert response["Location"] == reverse(
        "console:transfer_payment", args=[row.provider_reference]
    )
    page = client.get(response["Location"]).content.decode()
    assert row.provider_reference in page and "¥800.00" in page and "示例云计算有限公司" in page
    account.refresh_from_db()
    assert account.cash_balance == 0  # the customer cannot confirm their own transfer

    other = AccountFactory()
    client.force_login(other.owner)
    assert client.get(response["Location"]).status_code == 404

    support = UserFactory(username="support-agent", is_staff=True)
    support.groups.add(Group.objects.get(name="Support"))
    client.force_login(support)
    changelist = reverse("admin:billing_recharge_changelist")
    for _ in range(2):  # confirming twice credits once
        client.post(
            changelist,
            {"action": "confirm_transfers", "_selected_action": [row.pk]},
        )
    account.refresh_from_db()
    assert account.cash_balance == Decimal("800.00")
    assert LedgerEntry.objects.get(account=account, kind="recharge").created_by == support


@pytest.mark.django_db
def test_confirming_transfers_needs_the_adjust_balance_permission(client, settings):
    settings.PAYMENT_PROVIDER = TRANSFER
    account = AccountFactory()
    client.force_login(account.owner)
    client.post(reverse("console:recharge"), {"amount": "800"})
    row = Recharge.objects.get()
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_recharge"))
    client.force_login(viewer)
    client.post(
        reverse("admin:billing_recharge_changelist"),
        {"action": "confirm_transfers", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.status == Recharge.Status.PENDING
