"""Fault drill: the Redis that caches entitlement answers is killed under traffic. Answers stay
correct (computed from PostgreSQL), buying goes on and charges once, and the cache is used again
once Redis is back. The drill starts its own redis-server on a free port; the machine's shared
Redis is never touched."""

import json
import shutil
import subprocess
import time

import pytest
import redis

from billing import hot_store, roles
from billing.models import LedgerEntry
from billing.selectors import Acting
from billing.services import api_keys, captcha
from tests.factories import AccountFactory, CaptchaAppFactory, fund, sku
from tests.helpers import Signed, free_port

pytestmark = pytest.mark.django_db


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.process = None

    def start(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis(settings):
    server = RedisServer()
    server.start()
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{server.port}/0"},
    }
    hot_store.client.cache_clear()
    hot_store._entitlement_script.cache_clear()
    yield server
    if server.process.poll() is None:
        server.kill()
    hot_store.client.cache_clear()
    hot_store._entitlement_script.cache_clear()


def test_entitlement_survives_redis_dying_and_uses_it_again_when_it_returns(client, own_redis):
    account = fund(AccountFactory(), cash="5000")
    acting = Acting(account=account, role=roles.OWNER)
    captcha.claim_trial(acting=acting)
    app = CaptchaAppFactory(account=account)
    api = Signed(client, account)
    path = f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement"
    first = api.call("GET", path)
    assert first.status_code == 200 and first.json()["remaining"] == 20_000
    cached = redis.Redis(port=own_redis.port)
    assert any(b":ent:" in key for key in cached.keys("*"))

    own_redis.kill()
    during = [api.call("GET", path) for _ in range(5)]
    assert {r.status_code for r in during} == {200}
    assert {r.json()["remaining"] for r in during} == {20_000}
    # A purchase while the cache is down goes through once, and the answer follows it at once.
    captcha.buy_pack(
        acting=acting, user=account.owner, sku=sku("captcha-count-1m"), idempotency_key="down"
    )
    captcha.buy_pack(
        acting=acting, user=account.owner, sku=sku("captcha-count-1m"), idempotency_key="down"
    )
    assert LedgerEntry.objects.filter(account=account, kind="payment").count() == 1
    assert api.call("GET", path).json()["remaining"] == 1_020_000

    own_redis.start()  # back, empty (no persistence)
    again = api.call("GET", path)
    assert again.status_code == 200 and again.json()["remaining"] == 1_020_000
    assert any(b":ent:" in key for key in redis.Redis(port=own_redis.port).keys("*"))
    assert json.loads(again.content)["service"] == "active"


def test_signed_requests_are_still_checked_while_redis_is_down(client, own_redis):
    account = AccountFactory()
    key = api_keys.create_key(acting=Acting(account=account, role=roles.OWNER), name="k")
    own_redis.kill()
    api = Signed(client, account)
    api.key = key
    bad = api.call("GET", "/api/v1/push/apps/1/service", secret="wrong-secret")
    assert bad.status_code == 401
