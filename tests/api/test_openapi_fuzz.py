"""The OpenAPI description is served and the API keeps to it under generated requests
(schemathesis, bounded): no 5xx, and every error is a JSON body of the documented shape."""

import json
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from billing import roles
from billing.api.signing import sign
from billing.selectors import Acting
from billing.services import api_keys, captcha
from tests.factories import AccountFactory, CaptchaAppFactory, PushAppFactory, fund

OPENAPI = Path(__file__).resolve().parents[2] / "billing" / "api" / "openapi.json"
schema = schemathesis.openapi.from_dict(json.loads(OPENAPI.read_text()))


class Signer(requests.auth.AuthBase):
    """Signs each prepared request exactly as sent: method, decoded path plus raw query, body."""

    def __init__(self, key):
        self.key = key

    def __call__(self, request):
        url = urlsplit(request.path_url)
        path = unquote(url.path) + (f"?{url.query}" if url.query else "")
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        timestamp = int(time.time())
        request.headers["X-Secret-Id"] = self.key.secret_id
        request.headers["X-Timestamp"] = str(timestamp)
        request.headers["X-Signature"] = sign(
            secret_key=self.key.secret_key,
            method=request.method,
            path=path,
            timestamp=timestamp,
            body=body,
        )
        return request


@pytest.fixture
def signed_session(transactional_db):
    account = fund(AccountFactory(), cash="1000")
    acting = Acting(account=account, role=roles.OWNER)
    captcha.claim_trial(acting=acting)
    CaptchaAppFactory(account=account, captcha_app_id=100001)
    PushAppFactory(account=account, access_id="1500000001")
    session = requests.Session()
    session.auth = Signer(api_keys.create_key(acting=acting, name="fuzz"))
    # One connection per request: no live-server thread outlives the test holding a database
    # connection (which would keep the test database from being dropped).
    session.headers["Connection"] = "close"
    yield session
    session.close()


@pytest.mark.django_db(transaction=True)
def test_the_description_is_served(live_server):
    served = requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.json() == json.loads(OPENAPI.read_text())


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_generated_requests_get_documented_answers(case, live_server, signed_session):
    response = case.call(base_url=f"{live_server.url}/api/v1", session=signed_session)
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    # Business rules (whose app, how old a verification may be) are not in the schema, so a
    # schema-valid request may be refused with 400; everything else the checks judge.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
