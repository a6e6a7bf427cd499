"""make bench: the speed targets of issue 6, measured here and printed (never a test).

- verification ingestion through the real HTTP endpoint (gunicorn on loopback), batches of 1,000
  with duplicates, target >= 20,000 events/s;
- entitlement checks, target >= 5,000 requests/s with p99 < 20 ms;
- postpaid settlement of 100,000 push apps' day, target < 30 s, memory flat in the number of apps.
Runs against its own database (billing_bench), which it recreates.
"""

import datetime as dt
import http.client
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/billing_bench")
os.environ.update(
    DATABASE_URL=DB,
    DJANGO_SETTINGS_MODULE="console.settings.development",
    DJANGO_DEBUG="false",
    CACHE_KEY_PREFIX="bench",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(REPO))


def setup_database():
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "billing_bench"], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "billing_bench"], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    setup_database()
    import django

    django.setup()
    from django.core.cache import cache
    from django.utils import timezone

    from billing import roles
    from billing.models import Account, CaptchaApp, PushApp, PushDauDaily
    from billing.selectors import Acting
    from billing.services import api_keys, captcha, ledger
    from billing.services.settlement import settle_push_postpaid
    from tests.factories import AccountFactory, UserFactory

    cache.clear()
    account = AccountFactory(name="Bench Co")
    acting = Acting(account=account, role=roles.OWNER)
    staff = UserFactory(username="bench-staff", is_staff=True)
    ledger.adjust_balance(
        account=account,
        cash=1_000_000,
        gift=0,
        reason="bench",
        by=staff,
        idempotency_key="bench-fund",
    )
    from billing.models import PackSku

    captcha.buy_pack(
        acting=acting,
        user=account.owner,
        sku=PackSku.objects.get(code="captcha-count-1b"),
        idempotency_key="b",
    )
    app = CaptchaApp.objects.create(account=account, name="bench", captcha_app_id=900000001)
    push_app = PushApp.objects.create(
        account=account,
        platform="android",
        name="bench",
        access_id="1999999999",
        access_point="guangzhou",
    )
    key = api_keys.create_key(acting=acting, name="bench")

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "console.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=os.environ.copy(),
    )
    try:
        wait_for(port)
        ingestion(port, key, app)
        entitlement(port, key, app, push_app)
    finally:
        server.terminate()
        server.wait(timeout=20)

    settlement(settle_push_postpaid, Account, PushApp, PushDauDaily, timezone)
    machine()


def wait_for(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def signed_request(conn, key, method, path, payload=None):
    from billing.api.signing import sign

    body = json.dumps(payload).encode() if payload is not None else b""
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Secret-Id": key.secret_id,
        "X-Timestamp": str(timestamp),
        "X-Signature": sign(
            secret_key=key.secret_key, method=method, path=path, timestamp=timestamp, body=body
        ),
    }
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise SystemExit(f"{method} {path}: {response.status} {data[:200]!r}")
    return time.perf_counter() - started


def ingestion(port, key, app, batches=80, batch_size=1000, threads=4):
    now = dt.datetime.now(dt.UTC).isoformat()
    payloads = []
    for b in range(batches):
        # Every fifth batch repeats the previous one: duplicates must count once.
        source = b - 1 if b % 5 == 4 else b
        payloads.append(
            {
                "events": [
                    {"ticket": f"t-{source}-{i}", "app_id": app.captcha_app_id, "verified_at": now}
                    for i in range(batch_size)
                ]
            }
        )

    def send(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for payload in chunk:
            signed_request(conn, key, "POST", "/api/v1/captcha/verifications", payload)
        conn.close()

    chunks = [payloads[i::threads] for i in range(threads)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, chunks))
    elapsed = time.perf_counter() - started
    total = batches * batch_size
    print(
        f"ingestion: {total:,} events ({batches} batches of {batch_size:,}, 20% duplicates) "
        f"in {elapsed:.2f} s = {total / elapsed:,.0f} events/s   [target >= 20,000/s]"
    )


def entitlement(port, key, app, push_app, requests=12_000, threads=8):
    paths = [
        f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement",
        f"/api/v1/push/apps/{push_app.access_id}/service",
    ]

    def run(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies = [signed_request(conn, key, "GET", paths[i % 2]) for i in range(n)]
        conn.close()
        return latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = [x for chunk in pool.map(run, [requests // threads] * threads) for x in chunk]
    elapsed = time.perf_counter() - started
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    print(
        f"entitlement: {len(latencies):,} requests in {elapsed:.2f} s = "
        f"{len(latencies) / elapsed:,.0f} req/s, p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {p99:.1f} ms   [target >= 5,000/s, p99 < 20 ms]"
    )


def settlement(settle, Account, PushApp, PushDauDaily, timezone, apps=100_000, per_account=100):
    from billing.days import billing_day

    now = timezone.now()
    day = billing_day(now) - dt.timedelta(days=2)
    enabled = now - dt.timedelta(days=30)
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    owners = user_model.objects.bulk_create(
        user_model(username=f"bench{i}", email=f"bench{i}@example.com", password="!")
        for i in range(apps // per_account)
    )
    accounts = Account.objects.bulk_create(
        Account(owner=owner, name=f"bench {i}", verification_state="verified")
        for i, owner in enumerate(owners)
    )
    from django.db import transaction

    from billing.services import ledger

    for account in accounts:  # fund them through the ledger, as support would
        with transaction.atomic():
            locked = ledger.lock_account(account.pk)
            ledger.post_entry(account=locked, kind="recharge", cash=100_000, memo="bench")
    rows = PushApp.objects.bulk_create(
        (
            PushApp(
                account=accounts[i // per_account],
                platform="android",
                name=f"a{i}",
                access_id=f"{3000000000 + i}",
                access_point=("guangzhou", "singapore")[i % 2],
                billing_mode="postpaid",
                postpaid_first_enabled_at=enabled,
            )
            for i in range(apps)
        ),
        batch_size=5000,
    )
    PushDauDaily.objects.bulk_create(
        (
            PushDauDaily(app=app, day=day, dau=(500, 5_000, 40_000, 70_000)[n % 4])
            for n, app in enumerate(rows)
        ),
        batch_size=5000,
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    settled = settle(now=now)
    elapsed = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"settlement: {settled:,} app-days ({len(accounts):,} accounts) in {elapsed:.1f} s, "
        f"peak RSS {rss_before / 1024:.0f} → {rss_after / 1024:.0f} MiB "
        f"(reads in chunks of 5,000)   [target < 30 s]"
    )


def machine():
    with open("/proc/cpuinfo") as cpuinfo:
        models = [
            line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
        ]
    cpu = models[0] if models else platform.processor()
    pg = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(
        f"machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; "
        f"PostgreSQL {pg}"
    )


if __name__ == "__main__":
    main()
