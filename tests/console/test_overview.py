import pytest
from django.urls import reverse

from billing.models import Account
from tests.factories import AccountFactory, PushAppFactory, fund

pytestmark = pytest.mark.django_db


def test_overview_shows_balance_products_and_arrears(client):
    account = fund(AccountFactory(), cash="10", gift="5")
    PushAppFactory(account=account, state="stopped", stop_reason="arrears")
    Account.objects.filter(pk=account.pk).update(cash_balance=-20)
    client.force_login(account.owner)
    page = client.get(reverse("console:overview")).content.decode()
    assert "in arrears" in page and "¥20.00 is owed" in page
    assert "1 stopped" in page


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("console:overview"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
