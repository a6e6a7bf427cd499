"""Fault drill: PostgreSQL drops connections (pg_terminate_backend). A kept connection is
replaced before the next request; a transaction cut off half-way writes nothing; a request whose
connection dies answers 503, not 500."""

import pytest
import requests
from django.db import OperationalError, connection
from django.urls import reverse

from billing import roles
from billing.models import CaptchaPack, LedgerEntry, Order
from billing.selectors import Acting
from billing.services import captcha, ledger
from tests.factories import AccountFactory, fund, sku


def terminate_other_sessions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_server_replaces_connections_postgresql_dropped(live_server):
    page = f"{live_server.url}/invitations/no-such-token/"  # one database read, then 404
    with requests.Session() as browser:
        assert browser.get(page, timeout=10).status_code == 404
        assert terminate_other_sessions() >= 1  # the server thread's kept connection
        for _ in range(3):
            assert browser.get(page, timeout=10).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_purchase_cut_off_half_way_writes_nothing(monkeypatch):
    account = fund(AccountFactory(), cash="5000")
    before = (Order.objects.count(), LedgerEntry.objects.count(), CaptchaPack.objects.count())
    real_post_entry = ledger.post_entry

    def dropped(**kwargs):
        with connection.cursor() as cursor:  # PostgreSQL ends this very session
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real_post_entry(**kwargs)

    monkeypatch.setattr("billing.services.checkout.post_entry", dropped)
    with pytest.raises(OperationalError):
        captcha.buy_pack(
            acting=Acting(account=account, role=roles.OWNER),
            user=account.owner,
            sku=sku("captcha-count-1m"),
            idempotency_key="cut",
        )
    connection.close()
    after = (Order.objects.count(), LedgerEntry.objects.count(), CaptchaPack.objects.count())
    assert after == before
    account.refresh_from_db()
    assert account.cash_balance == 5000


@pytest.mark.django_db
@pytest.mark.parametrize("api", [False, True])
def test_a_request_whose_connection_dies_answers_503(client, monkeypatch, api):
    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    if api:
        monkeypatch.setattr("billing.api.views.authenticate", lost)
        response = client.post("/api/v1/captcha/verifications", b"{}", "application/json")
        assert response.json()["error"]["code"] == "ServiceUnavailable"
    else:
        client.force_login(AccountFactory().owner)
        monkeypatch.setattr("console.views.overview.render", lost)
        response = client.get(reverse("console:overview"))
    assert response.status_code == 503 and response["Retry-After"] == "1"
