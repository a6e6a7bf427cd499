"""The entitlement hot path in console/wsgi.py: same answers as the Django views, never staler."""

import datetime as dt
import io
import json
import time
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from billing import roles
from billing.api.signing import sign
from billing.models import CaptchaPack, PackSku
from billing.selectors import Acting
from billing.services import api_keys, captcha, staff
from console.wsgi import application
from tests.factories import (
    AccountFactory,
    CaptchaAppFactory,
    PushAppFactory,
    SupportFactory,
    fund,
)

pytestmark = pytest.mark.django_db


def get(key, path, *, secret=None, timestamp=None):
    """Call the WSGI application as gunicorn would; returns (status, headers, body)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "HTTP_X_SECRET_ID": key.secret_id,
        "HTTP_X_TIMESTAMP": str(timestamp),
        "HTTP_X_SIGNATURE": sign(
            secret_key=secret or key.secret_key,
            method="GET",
            path=path,
            timestamp=timestamp,
            body=b"",
        ),
        "wsgi.input": io.BytesIO(b""),
        "SERVER_NAME": "testserver",
    }
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(application(environ, start_response))
    return seen["status"], seen["headers"], json.loads(body)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The real WSGI handler closes connections after a request; the test transaction must live
    (django.test.Client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def account():
    account = fund(AccountFactory(), cash="10000")
    captcha.claim_trial(acting=Acting(account=account, role=roles.OWNER))
    return account


def key_for(account):
    return api_keys.create_key(acting=Acting(account=account, role=roles.OWNER), name="k")


def test_the_fast_path_serves_the_django_answer_byte_for_byte(account, django_assert_num_queries):
    app = CaptchaAppFactory(account=account)
    key = key_for(account)
    path = f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement"
    status, headers, computed = get(key, path)  # a miss: Django computes and stores it
    assert status == 200 and computed["remaining"] == 20_000
    with django_assert_num_queries(0):
        status, headers, cached = get(key, path)
    assert status == 200 and cached == computed
    assert headers["Content-Type"] == "application/json"


def test_a_state_change_is_seen_at_once(account):
    push_app = PushAppFactory(account=account)
    key = key_for(account)
    path = f"/api/v1/push/apps/{push_app.access_id}/service"
    assert get(key, path)[2]["push_allowed"] is True
    get(key, path)  # now cached
    staff.stop_app(app=push_app, by=SupportFactory(), reason="Abuse report #1")
    assert get(key, path)[2]["push_allowed"] is False


def test_refusals_still_come_from_django(account):
    app = CaptchaAppFactory(account=account)
    key = key_for(account)
    path = f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement"
    get(key, path)
    status, _, body = get(key, path, secret="wrong")
    assert status == 401 and body["error"]["code"] == "AuthFailure.SignatureFailure"
    status, _, body = get(key, path, timestamp=int(time.time()) - 600)
    assert status == 401 and body["error"]["code"] == "AuthFailure.RequestExpired"
    api_keys.revoke_key(acting=Acting(account=account, role=roles.OWNER), key_id=key.pk)
    assert get(key, path)[0] == 401


def test_another_accounts_cached_answer_is_never_served(account):
    app = CaptchaAppFactory(account=account)
    path = f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement"
    assert get(key_for(account), path)[0] == 200  # cached for its owner
    stranger = key_for(fund(AccountFactory(), cash="1"))
    status, _, body = get(stranger, path)
    assert status == 404 and body["error"]["code"] == "ResourceNotFound"


def test_an_answer_is_not_cached_past_the_moment_a_pack_expires(account):
    """Time alone stops the service when the last pack expires; no save happens then."""
    app = CaptchaAppFactory(account=account)
    key = key_for(account)
    CaptchaPack.objects.filter(account=account).update(
        expires_at=timezone.now() + dt.timedelta(seconds=2)
    )
    path = f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement"
    assert get(key, path)[2]["service"] == "active"
    time.sleep(2.1)
    assert get(key, path)[2] == {
        "app_id": app.captcha_app_id,
        "service": "stopped",
        "source": None,
        "remaining": 0,
    }


def test_buying_a_pack_resumes_a_stopped_service_at_once(account):
    app = CaptchaAppFactory(account=account)
    key = key_for(account)
    CaptchaPack.objects.filter(account=account).update(used=20_000)
    path = f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement"
    assert get(key, path)[2]["service"] == "stopped"
    captcha.buy_pack(
        acting=Acting(account=account, role=roles.OWNER),
        user=account.owner,
        sku=PackSku.objects.get(code="captcha-count-1m"),
        idempotency_key="resume",
    )
    assert get(key, path)[2]["service"] == "active"


def test_an_unknown_secret_id_is_refused_every_time_not_only_the_first(account):
    app = CaptchaAppFactory(account=account)
    path = f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement"
    stranger = api_keys.create_key(
        acting=Acting(account=account, role=roles.OWNER), name="revoked-later"
    )
    get(stranger, path)  # caches the key and the answer
    api_keys.revoke_key(acting=Acting(account=account, role=roles.OWNER), key_id=stranger.pk)
    for _ in range(3):  # the second call meets the cached "no such key"
        status, _, body = get(stranger, path)
        assert status == 401 and body["error"]["code"] == "AuthFailure.SecretIdNotFound"
