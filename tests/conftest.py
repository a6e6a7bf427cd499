"""Shared fixtures: Debian's Chromium for Playwright, a real Celery worker, common objects."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's live_server setup must still
# be allowed to touch the database from it (../shared/CI-NOTES.md).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"

# Extra environment for the worker subprocess. Test packages add to it when their conftest is
# imported (collection, before any worker starts): tests/notifications points the worker's email
# at its SMTP sink.
WORKER_EXTRA_ENV: dict[str, str] = {}


def pytest_collection_modifyitems(items):
    """Transactional tests flush the database afterwards, which would also wipe what data
    migrations loaded (the pack catalog, the Support group). serialized_rollback restores it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = marker and marker.kwargs.get("transaction")
        if transactional and "serialized_rollback" not in marker.kwargs:
            item.add_marker(
                pytest.mark.django_db(**marker.kwargs, serialized_rollback=True), append=False
            )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Make the serialized snapshot visible from every connection object.

    Django keeps it on the connection that created the test database; once Playwright runs an
    event loop in this thread, the test gets a different connection object (connections are
    context-local), which would restore nothing and leave the catalog flushed.
    """
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents
    yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 900}, "locale": "en-US"}


@pytest.fixture
def screenshot(page):
    """page -> test-artifacts/<name>.png; look at them after a run."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` subprocess on its own queue, against the test database.

    Tests that use it must be `transaction=True` so the worker sees committed rows, and must
    disable eager mode with the `real_celery` fixture.
    """
    from django.conf import settings
    from django.db import connection

    from console.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    node = f"{queue}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "console.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DATABASE_URL": _database_url(connection.settings_dict),
        **WORKER_EXTRA_ENV,
    }
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    process = subprocess.Popen(
        [
            celery,
            "-A",
            "console",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            node,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace")
            pytest.fail(f"celery worker exited: {output[-2000:]}")
        if app.control.ping(destination=[node], timeout=0.5):
            break
    else:
        process.kill()
        pytest.fail("celery worker did not answer a ping within 60 s")
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    yield queue
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def _database_url(settings_dict) -> str:
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def real_celery(celery_worker_process, settings):
    """Send tasks to the real worker instead of running them eagerly in the test."""
    from console.celery import app

    app.conf.task_always_eager = False
    app.conf.task_default_queue = celery_worker_process
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield celery_worker_process
    app.conf.task_always_eager = True
