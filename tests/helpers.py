"""Shared test helpers: instants in Asia/Shanghai, postpaid apps with DAU, racing calls."""

import datetime as dt
import re
import socket
import threading

from django.db import connection

from billing.days import BILLING_TZ
from billing.models import PushApp, PushDauDaily
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
