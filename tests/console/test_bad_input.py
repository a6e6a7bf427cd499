"""Bad input gets a clear 4xx and changes nothing (issue 13, findings 7 and 8)."""

import json

import pytest
from django.urls import reverse

from billing import roles
from billing.models import (
    ApiKey,
    CaptchaApp,
    LedgerEntry,
    Order,
    PushApp,
    PushSubscription,
    RefundTicket,
)
from billing.selectors import Acting
from billing.services import push
from tests.factories import AccountFactory, PushAppFactory, fund
from tests.helpers import Signed, checkout_fields, prepaid_order

pytestmark = pytest.mark.django_db


def owner_client(client, account):
    client.force_login(account.owner)
    return client


@pytest.mark.parametrize(
    "path",
    ["/orders/%00/", "/orders/%00/receipt/", "/orders/%00/refund/", "/balance/sandbox/%00/"],
)
def test_nul_in_a_console_address_is_400(client, path):
    owner_client(client, AccountFactory())
    assert client.get(path).status_code == 400


def test_nul_in_the_refund_reason_is_400_and_files_nothing(client):
    account = fund(AccountFactory(), cash="2000")
    order = prepaid_order(account)
    response = owner_client(client, account).post(
        reverse("console:refund_request", args=[order.number]), {"reason": "too\x00expensive"}
    )
    assert response.status_code == 400
    assert not RefundTicket.objects.exists()


@pytest.mark.parametrize("field", ["voucher_code", "idempotency_key"])
def test_nul_in_a_checkout_field_is_400_and_charges_nothing(client, field):
    account = fund(AccountFactory(), cash="5000")
    url = reverse("console:captcha_buy", args=["captcha-count-1m"])
    fields = checkout_fields(owner_client(client, account).get(url))
    fields[field] = "A\x00B"
    assert client.post(url, fields).status_code == 400
    assert not Order.objects.exists()
    assert not LedgerEntry.objects.filter(kind="payment").exists()


def test_a_row_switch_naming_two_subscriptions_changes_neither(client):
    account = fund(AccountFactory(), cash="5000")
    prepaid_order(account, key="a"), prepaid_order(account, key="b")
    first, second = PushSubscription.objects.filter(app__account=account)
    PushSubscription.objects.update(auto_renew=False)
    response = owner_client(client, account).post(
        reverse("console:renewals_auto_renew"),
        {"subscription": [first.pk, second.pk], "single": "1", "enabled": "on"},
    )
    assert response.status_code in (302, 400)
    assert not PushSubscription.objects.filter(auto_renew=True).exists()


@pytest.mark.parametrize(
    "name, error",
    [
        ("k" * 61, "at most 60 characters"),
        ("pay\u202egnp.exe", "U+202E"),
        ("ad\u200bmin", "U+200B"),
        ("tab\x07bell", "U+0007"),
    ],
)
def test_api_key_names_have_a_length_and_no_invisible_characters(client, name, error):
    account = AccountFactory()
    response = owner_client(client, account).post(reverse("console:create_api_key"), {"name": name})
    assert error in response.content.decode()
    assert not ApiKey.objects.exists()


def test_app_names_refuse_spoofing_characters(client):
    account = AccountFactory()
    owner_client(client, account).post(
        reverse("console:captcha_create_app"), {"name": "shop\u202egoo"}
    )
    assert not CaptchaApp.objects.exists()
    with pytest.raises(Exception, match="U\\+200B"):
        push.create_app(
            acting=Acting(account=account, role=roles.OWNER),
            platform="android",
            name="a\u200bb",
            access_point="guangzhou",
        )
    assert not PushApp.objects.exists()


def test_a_huge_refund_reason_is_refused(client):
    account = fund(AccountFactory(), cash="2000")
    order = prepaid_order(account)
    response = owner_client(client, account).post(
        reverse("console:refund_request", args=[order.number]), {"reason": "x" * (5 * 1024 * 1024)}
    )
    assert response.status_code == 400
    assert "at most 2000 characters" in response.content.decode()
    assert not RefundTicket.objects.exists()


# --- the signed API ----------------------------------------------------------------------------


def assert_json_error(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert set(response.json()["error"]) == {"code", "message"}


@pytest.mark.parametrize(
    "method, path",
    [("GET", "/api/v1/push/apps/%00/service"), ("PUT", "/api/v1/push/apps/%00/dau/2026-12-01")],
)
def test_nul_in_an_api_path_is_a_json_400(client, method, path):
    api = Signed(client, AccountFactory())
    body = b'{"dau": 5}' if method == "PUT" else b""
    assert_json_error(api.call(method, path, body=body), 400)


@pytest.mark.parametrize("path", ["/api/v1/captcha/apps/abc/entitlement", "/api/v1/nothing"])
def test_unknown_api_addresses_answer_json_404(client, path):
    assert_json_error(Signed(client, AccountFactory()).call("GET", path), 404)


def test_a_deeply_nested_body_is_a_json_400(client):
    api = Signed(client, AccountFactory())
    body = b'{"events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert_json_error(api.call("POST", "/api/v1/captcha/verifications", body=body), 400)


def test_nul_in_a_json_string_is_a_json_400(client):
    account = AccountFactory()
    app = PushAppFactory(account=account)
    api = Signed(client, account)
    body = json.dumps({"dau": 5, "note": "a\x00b"}).encode()
    assert_json_error(
        api.call("PUT", f"/api/v1/push/apps/{app.access_id}/dau/2026-12-01", body=body), 400
    )


@pytest.mark.parametrize("day", ["20261201", "2026-W48-1", "2026-12-1", "２０２６-12-01"])
def test_the_dau_date_is_yyyy_mm_dd_only(client, day):
    account = AccountFactory()
    app = PushAppFactory(account=account)
    response = Signed(client, account).call(
        "PUT", f"/api/v1/push/apps/{app.access_id}/dau/{day}", body=b'{"dau": 5}'
    )
    assert_json_error(response, 400)
    assert "YYYY-MM-DD" in response.json()["error"]["message"]


def test_a_wrong_method_under_the_api_is_a_json_405(client):
    response = Signed(client, AccountFactory()).call("DELETE", "/api/v1/captcha/verifications")
    assert_json_error(response, 405)
    assert response["Allow"] == "POST"
