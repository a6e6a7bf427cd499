"""Shared test helpers: instants in Asia/Shanghai, postpaid apps with DAU, racing calls, signed
API calls, a bought prepaid order, staff TOTP codes."""

import datetime as dt
import json
import re
import socket
import threading
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.db import connection

from billing import roles
from billing.api.signing import sign
from billing.days import BILLING_TZ
from billing.models import PushApp, PushDauDaily
from billing.selectors import Acting
from billing.services import api_keys, push
from tests.factories import PushAppFactory


def at(day: str, hour: int = 6, minute: int = 30) -> dt.datetime:
    """An Asia/Shanghai instant; 06:30 by default, just after the daily push settlement."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=BILLING_TZ)


def postpaid_app(account, *, region="guangzhou", enabled="2026-11-01", **kwargs):
    return PushAppFactory(
        account=account,
        access_point=region,
        billing_mode=PushApp.BillingMode.POSTPAID,
        postpaid_first_enabled_at=at(enabled, 0, 0),
        postpaid_since=at(enabled, 0, 0),
        **kwargs,
    )


def report(app, day: str, dau: int):
    PushDauDaily.objects.create(app=app, day=dt.date.fromisoformat(day), dau=dau)


def race(*calls, catch: type[Exception] = Exception):
    """Start every call at the same moment, each on its own database connection.

    Returns each call's result, or the `catch` exception it raised.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except catch as error:
            outcomes[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing call hung"
    return outcomes


def checkout_fields(page) -> dict:
    """The hidden fields a rendered checkout posts back: its idempotency key and the total shown."""
    html = page.content.decode() if hasattr(page, "content") else page
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html).group(1)
    total = re.search(r'name="expected_total" value="([0-9.]+)"', html).group(1)
    return {"idempotency_key": key, "expected_total": total}


def free_port() -> int:
    """A loopback port nothing listens on right now (for servers a test starts itself)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Signed:
    """The signed metering API as a customer's server calls it, through the test client."""

    def __init__(self, client, account):
        self.client = client
        self.key = api_keys.create_key(acting=Acting(account=account, role=roles.OWNER), name="k")

    def call(self, method, path, payload=None, *, body=None, timestamp=None, secret=None):
        """`payload` is sent as JSON; `body` (bytes) as it is, for bodies JSON cannot make."""
        if body is None:
            body = json.dumps(payload).encode() if payload is not None else b""
        timestamp = int(time.time()) if timestamp is None else timestamp
        signature = sign(
            secret_key=secret or self.key.secret_key,
            method=method,
            path=path,
            timestamp=timestamp,
            body=body,
        )
        return getattr(self.client, method.lower())(
            path,
            data=body,
            content_type="application/json",
            HTTP_X_SECRET_ID=self.key.secret_id,
            HTTP_X_TIMESTAMP=str(timestamp),
            HTTP_X_SIGNATURE=signature,
        )


def prepaid_order(account, *, key="buy", now=None, region="guangzhou"):
    """A paid one-month 1万 prepaid order for a new push app of the account (¥800 in Guangzhou)."""
    return push.buy_prepaid(
        acting=Acting(account=account, role=roles.OWNER),
        user=account.owner,
        app=PushAppFactory(account=account, access_point=region),
        capacity_wan=1,
        months=1,
        idempotency_key=key,
        now=now,
    ).order


def totp_code(secret: str) -> str:
    """The staff user's current two-factor code (the factories keep `user.totp_secret`)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))
