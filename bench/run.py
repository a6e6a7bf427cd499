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
import re
import socket
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
# BENCH_ONLY=entitlement (comma-separated) runs part of it while tuning.
ONLY = os.environ.get("BENCH_ONLY", "ingestion,entitlement,settlement").split(",")


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
            "--log-level",
            "warning",
            # The Procfile's web process: 2 workers x 4 threads (gthread, keep-alive).
            *os.environ.get("BENCH_GUNICORN", "--workers 2 --threads 4").split(),
        ],
        cwd=REPO,
        env=os.environ.copy(),
    )
    try:
        wait_for(port)
        if "ingestion" in ONLY:
            ingestion(port, key, app)
        if "entitlement" in ONLY:
            entitlement(port, key, app, push_app)
    finally:
        server.terminate()
        server.wait(timeout=20)

    if "settlement" in ONLY:
        settlement(Account, PushApp, PushDauDaily, timezone)
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


def entitlement(port, key, app, push_app, seconds=10, connections=16):
    """wrk (C, from Debian) drives the load so the client does not eat the server's CPU.

    A GET's signature covers method, path and timestamp only, so each path is signed once and
    replayed: the server accepts it for 5 minutes, longer than the run.
    """
    from billing.api.signing import sign

    paths = [
        f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement",
        f"/api/v1/push/apps/{push_app.access_id}/service",
    ]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for path in paths:  # the first answer is computed by Django and cached
        signed_request(conn, key, "GET", path)
    conn.close()
    timestamp = int(time.time())
    requests = []
    for path in paths:
        headers = {
            "X-Secret-Id": key.secret_id,
            "X-Timestamp": str(timestamp),
            "X-Signature": sign(
                secret_key=key.secret_key, method="GET", path=path, timestamp=timestamp, body=b""
            ),
        }
        lua_headers = ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items())
        requests.append(f'wrk.format("GET", "{path}", {{{lua_headers}}})')
    script = Path("/tmp/bench-entitlement.lua")
    script.write_text(
        "local requests, n = {}, 0\n"
        "init = function(args)\n"
        + "".join(f"  requests[{i + 1}] = {r}\n" for i, r in enumerate(requests))
        + "end\n"
        "request = function()\n  n = n + 1\n  return requests[n % 2 + 1]\nend\n"
    )
    wrk = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk)[1])
    total = int(re.search(r"(\d+) requests in", wrk)[1])
    p50 = re.search(r"^\s+50%\s+(\S+)", wrk, re.M)[1]
    p99 = re.search(r"^\s+99%\s+(\S+)", wrk, re.M)[1]
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
    print(
        f"entitlement: {total:,} requests in {seconds} s over {connections} connections = "
        f"{rate:,.0f} req/s, p50 {p50}, p99 {p99}, non-200: {failed[1] if failed else 0}"
        f"   [target >= 5,000/s, p99 < 20 ms]"
    )


def settlement(Account, PushApp, PushDauDaily, timezone, apps=100_000, per_account=100):
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
    # A small day first (10,000 apps), then the full one: each settled in a fresh process whose
    # peak RSS is the settlement's own, so the two peaks show whether memory grows with apps.
    small = day - dt.timedelta(days=1)
    PushDauDaily.objects.bulk_create(
        (PushDauDaily(app=app, day=small, dau=5_000) for app in rows[: apps // 10]),
        batch_size=5000,
    )
    PushDauDaily.objects.bulk_create(
        (
            PushDauDaily(app=app, day=day, dau=(500, 5_000, 40_000, 70_000)[n % 4])
            for n, app in enumerate(rows)
        ),
        batch_size=5000,
    )
    from billing.days import day_start

    small_run = settle_in_a_fresh_process(day_start(day) + dt.timedelta(hours=7))
    full_run = settle_in_a_fresh_process(now)
    print(
        f"settlement: {full_run['settled']:,} app-days ({len(accounts):,} accounts) in "
        f"{full_run['seconds']:.1f} s   [target < 30 s]\n"
        f"settlement memory: peak RSS {small_run['rss_mib']:.0f} MiB for "
        f"{small_run['settled']:,} app-days, {full_run['rss_mib']:.0f} MiB for "
        f"{full_run['settled']:,} (reads in chunks of 5,000)   [target: flat]"
    )


SETTLE = """
import datetime as dt, json, re, sys, time
import django
django.setup()
from billing.services.settlement import settle_push_postpaid
started = time.perf_counter()
settled = settle_push_postpaid(now=dt.datetime.fromisoformat(sys.argv[1]))
print(json.dumps({
    "settled": settled,
    "seconds": time.perf_counter() - started,
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent.
    "rss_mib": int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read())[1]) / 1024,
}))
"""


def settle_in_a_fresh_process(now: dt.datetime) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SETTLE, now.isoformat()],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


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
