"""Signing: the query string is signed, stale requests cost nothing, probing cannot grow Redis."""

import secrets
import time

import pytest

from billing import hot_store, roles
from billing.api.signing import MISS_SLOTS, sign
from billing.selectors import Acting
from billing.services import api_keys
from tests.factories import AccountFactory, PushAppFactory

pytestmark = pytest.mark.django_db


def call(client, path, *, secret_id, secret_key="x", signed_path=None, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = sign(
        secret_key=secret_key,
        method="GET",
        path=signed_path or path,
        timestamp=timestamp,
        body=b"",
    )
    return client.get(
        path,
        HTTP_X_SECRET_ID=secret_id,
        HTTP_X_TIMESTAMP=str(timestamp),
        HTTP_X_SIGNATURE=signature,
    )


def hot_keys(pattern: str) -> list[bytes]:
    return list(hot_store.client().scan_iter(match=hot_store.key(pattern) + "*"))


@pytest.fixture
def key_and_app():
    account = AccountFactory()
    key = api_keys.create_key(acting=Acting(account=account, role=roles.OWNER), name="k")
    return key, PushAppFactory(account=account)


def test_the_query_string_is_part_of_what_is_signed(client, key_and_app):
    key, app = key_and_app
    path = f"/api/v1/push/apps/{app.access_id}/service"
    ok = call(
        client,
        path + "?x=1",
        secret_id=key.secret_id,
        secret_key=key.secret_key,
        signed_path=path + "?x=1",
    )
    assert ok.status_code == 200, ok.content
    tampered = call(
        client,
        path + "?x=2",
        secret_id=key.secret_id,
        secret_key=key.secret_key,
        signed_path=path + "?x=1",
    )
    assert tampered.status_code == 401
    assert tampered.json()["error"]["code"] == "AuthFailure.SignatureFailure"


def test_a_stale_request_is_refused_before_any_lookup(
    client, key_and_app, django_assert_num_queries
):
    key, app = key_and_app
    hot_store.delete(hot_store.key("apikey", key.secret_id))
    path = f"/api/v1/push/apps/{app.access_id}/service"
    with django_assert_num_queries(0):
        response = call(client, path, secret_id=key.secret_id, timestamp=int(time.time()) - 3600)
    assert response.json()["error"]["code"] == "AuthFailure.RequestExpired"
    assert hot_keys(f"apikey:{key.secret_id}") == []


def test_probing_with_unknown_secret_ids_uses_a_bounded_number_of_cache_slots(client):
    for slot in hot_keys("apikey-miss:"):
        hot_store.client().delete(slot)
    before = len(hot_keys("apikey:"))
    for _ in range(MISS_SLOTS + 300):
        secret_id = f"AKID{secrets.token_hex(16).upper()}"
        response = call(client, "/api/v1/push/apps/1/service", secret_id=secret_id)
        assert response.json()["error"]["code"] == "AuthFailure.SecretIdNotFound"
    assert len(hot_keys("apikey-miss:")) <= MISS_SLOTS
    assert len(hot_keys("apikey:")) == before


def test_a_secret_id_we_could_not_have_issued_is_never_looked_up(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = call(client, "/api/v1/push/apps/1/service", secret_id="not-a-key" * 5)
    assert response.json()["error"]["code"] == "AuthFailure.SecretIdNotFound"
