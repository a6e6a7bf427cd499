"""Real receivers for the notification tests: an SMTP sink and a stand-in Tencent Cloud SMS API."""

import email
import email.policy
import json
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import WORKER_EXTRA_ENV
from tests.factories import AccountFactory
from tests.helpers import free_port

# Chosen at import, before the session's Celery worker (if any) starts, so the worker process
# sends its email to the same sink the tests read (tests/conftest.py forwards this env).
SMTP_SINK_PORT = free_port()
WORKER_SMS_API_PORT = free_port()
SMS_SETTINGS = {
    "SMS_BACKEND": "notifications.channels.sms.TencentCloudSmsBackend",
    "TENCENTCLOUD_SECRET_ID": "AKIDtestsecretid",
    "TENCENTCLOUD_SECRET_KEY": "testsecretkey",
    "SMS_SDK_APP_ID": "1400000001",
    "SMS_SIGN_NAME": "云控制台",
    "SMS_REGION": "ap-guangzhou",
    "SMS_TIMEOUT": 5,
    "SMS_TEMPLATE_IDS": {
        "balance_alert": "1001",
        "push_expiry_reminder": "1002",
        "verification_code": "1003",
        "arrears": "1004",
    },
}
WORKER_EXTRA_ENV.update(
    {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SMTP_SINK_PORT),
        "EMAIL_USE_TLS": "false",
        **{
            name: value if isinstance(value, str) else json.dumps(value)
            for name, value in SMS_SETTINGS.items()
        },
        "SMS_ENDPOINT": f"http://127.0.0.1:{WORKER_SMS_API_PORT}",
        # Real backoff, in fractions of a second so a test can watch three attempts.
        "NOTIFICATIONS_RETRY_BASE_SECONDS": "0.3",
    }
)


class SmtpSink:
    """Collects every message the SMTP server receives, parsed."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self.envelopes.clear()

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self._lock:
            return [message for message in self.received if address in message["To"]]

    def wait_for(self, address: str, *, count: int = 1, timeout: float = 30) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.to(address)
            if len(messages) >= count:
                return messages
            time.sleep(0.1)
        raise AssertionError(f"no email to {address} within {timeout} s; got {self.received!r}")


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=SMTP_SINK_PORT)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def smtp(smtp_sink, settings):
    """Send this test's email over real SMTP to the sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = SMTP_SINK_PORT
    settings.EMAIL_USE_TLS = False
    smtp_sink.clear()
    yield smtp_sink
    smtp_sink.clear()


def sms_ok(request_body: dict) -> dict:
    phone = request_body["PhoneNumberSet"][0]
    return {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": f"5000:{uuid.uuid4().int % 10**20}",
                    "PhoneNumber": phone,
                    "Fee": 1,
                    "SessionContext": request_body.get("SessionContext", ""),
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
            ],
            "RequestId": str(uuid.uuid4()),
        }
    }


def sms_error(code: str, message: str = "error") -> Callable[[dict], dict]:
    def respond(request_body: dict) -> dict:
        return {
            "Response": {
                "Error": {"Code": code, "Message": message},
                "RequestId": str(uuid.uuid4()),
            }
        }

    return respond


class FakeSmsApi:
    """Answers SendSms like sms.tencentcloudapi.com; scripted replies first, then success."""

    def __init__(self, port: int = 0):
        self.requests: list[dict] = []  # {"headers": {...}, "body": {...}, "at": monotonic}
        self.replies: list[Callable[[dict], dict]] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with api._lock:
                    api.requests.append(
                        {"headers": dict(self.headers), "body": body, "at": time.monotonic()}
                    )
                    reply = api.replies.pop(0) if api.replies else sms_ok
                payload = json.dumps(reply(body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def sms_api(settings):
    """The Tencent Cloud SMS backend, pointed at a loopback stand-in for the API."""
    api = FakeSmsApi()
    api.thread.start()
    for name, value in SMS_SETTINGS.items():
        setattr(settings, name, value)
    settings.SMS_ENDPOINT = api.url
    yield api
    api.server.shutdown()
    api.server.server_close()


@pytest.fixture(scope="session")
def worker_sms_api_server():
    """The stand-in SMS API the real Celery worker talks to (its port is in the worker's env)."""
    api = FakeSmsApi(port=WORKER_SMS_API_PORT)
    api.thread.start()
    yield api
    api.server.shutdown()
    api.server.server_close()


@pytest.fixture
def worker_sms_api(worker_sms_api_server):
    worker_sms_api_server.requests.clear()
    worker_sms_api_server.replies.clear()
    return worker_sms_api_server


@pytest.fixture
def account(db):
    """A main account whose owner recipient was created on sign-up (post_save)."""
    return AccountFactory(owner__email="owner@example.com", name="Acme Games")


@pytest.fixture
def owner_recipient(account):
    return account.message_recipients.get(is_owner=True)


@pytest.fixture
def eager_retries():
    """Let eager tasks retry in-process. With task_eager_propagates (test settings) Celery raises
    Retry out of apply() instead of re-running the task; a worker would re-run it later."""
    from console.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous
