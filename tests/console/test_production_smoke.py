"""Production smoke drill: the production settings build static files, pass `check --deploy`,
serve through the Procfile's server with security headers, and refuse the sandbox provider."""

import http.client
import os
import re
import secrets
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import REPO, _database_url
from tests.factories import AccountFactory, UserFactory
from tests.helpers import free_port

TRANSFER = "billing.payments.BankTransferProvider"


@pytest.fixture
def production_env(tmp_path) -> dict:
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "console.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "console.example.com",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "PAYMENT_PROVIDER": TRANSFER,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CACHE_KEY_PREFIX": f"smoke-{secrets.token_hex(4)}",
    }


def _manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )


def _procfile_web(port: int) -> list[str]:
    """The Procfile's web command, with this run's interpreter and a free port."""
    line = next(
        line for line in (REPO / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    command = line.removeprefix("web:").replace("${PORT:-8000}", str(port))
    argv = shlex.split(command)
    argv[0] = str(Path(sys.executable).parent / Path(argv[0]).name)
    return argv


def _get(port: int, path: str, cookie: str = "") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": "console.example.com", "X-Forwarded-Proto": "https"}
    if cookie:
        headers["Cookie"] = cookie
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.body = response.read()
    return response


@pytest.mark.django_db(transaction=True)
def test_production_builds_checks_and_serves_with_security_headers(
    production_env, client, settings
):
    collected = _manage(production_env, "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr[-2000:]
    deploy = _manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert deploy.returncode == 0, deploy.stderr + deploy.stdout

    # A database session the server can read: its auth hash is keyed with the server's secret.
    settings.SECRET_KEY = production_env["DJANGO_SECRET_KEY"]
    account = AccountFactory()
    client.force_login(account.owner)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    staff = Client()  # another browser: a second login on `client` would end the first session
    staff.force_login(UserFactory(username="smoke-staff", is_staff=True, is_superuser=True))
    staff_cookie = f"sessionid={staff.cookies['sessionid'].value}"

    port = free_port()
    server = subprocess.Popen(
        _procfile_web(port),
        cwd=REPO,
        env=production_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                login = _get(port, "/accounts/login/")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
        assert login.status == 200
        assert login.getheader("Strict-Transport-Security", "").startswith("max-age=")
        assert login.getheader("X-Content-Type-Options") == "nosniff"
        assert login.getheader("X-Frame-Options") == "DENY"
        stylesheet = re.search(
            rb'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]+\.css)"', login.body
        )
        assert stylesheet, "the login page links hashed static files"
        assert _get(port, stylesheet.group(1).decode()).status == 200
        assert _get(port, "/favicon.ico").status in (301, 302)
        overview = _get(port, "/", cookie)
        assert overview.status == 200, overview.body[-500:]
        assert account.owner.email.encode() in overview.body
        admin_login = _get(port, "/admin/login/")  # staff sign in on the console's login page
        assert admin_login.status == 302
        assert admin_login.getheader("Location").startswith("/accounts/login/")
        assert _get(port, "/admin/", staff_cookie).status == 200
        assert _get(port, "/balance/sandbox/SBX1/", cookie).status == 404
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_production_refuses_to_start_with_the_sandbox(production_env):
    """`manage.py check` reports it, and the Procfile's gunicorn will not start with it."""
    env = {**production_env, "PAYMENT_PROVIDER": "billing.payments.SandboxPaymentProvider"}
    check = _manage(env, "check")
    assert check.returncode != 0 and "billing.E001" in check.stderr
    port = free_port()
    server = subprocess.run(
        [*_procfile_web(port), "--timeout", "10"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert server.returncode != 0
    assert "billing.E001" in server.stderr


def test_production_has_no_sandbox_page(production_env):
    """With production settings the sandbox URL is not routed at all (not merely refused)."""
    code = (
        "import django; django.setup();"
        "from django.urls import reverse, NoReverseMatch\n"
        "try:\n reverse('console:sandbox_payment', args=['SBX1'])\n"
        "except NoReverseMatch:\n print('absent')\n"
        "else:\n print('present')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=production_env, capture_output=True, text=True
    )
    assert result.stdout.strip() == "absent", result.stderr
