"""Email is received over real SMTP: by the in-process task and by a real Celery worker."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications.kinds import Channel, Kind
from notifications.models import Delivery
from notifications.services import notify
from tests.factories import AccountFactory, PushAppFactory

EXPIRES = dt.datetime(2026, 3, 4, 16, 0, tzinfo=dt.UTC)  # 2026-03-05 00:00 in Asia/Shanghai


def _bodies(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


@pytest.mark.django_db
def test_expiry_reminder_email_arrives_with_text_and_html(
    account, smtp, django_capture_on_commit_callbacks, settings
):
    settings.CONSOLE_BASE_URL = "https://console.example.com"
    app = PushAppFactory(account=account, name="Hero Chat", access_id="1500000042")
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(
            kind=Kind.PUSH_EXPIRY_REMINDER,
            account=account,
            subject=app,
            day=dt.date(2026, 3, 2),
            context={"expires_at": EXPIRES, "days_left": 3},
        )

    (message,) = smtp.wait_for("owner@example.com")
    assert message["Subject"].strip() == "Mobile Push app Hero Chat (1500000042) expires in 3 days"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    text, html = _bodies(message)
    assert "Hello owner@example.com" in text
    assert "2026-03-05 00:00 (UTC+8)" in text
    assert "Renew now: https://console.example.com/renewals/" in text
    assert "<strong>Hero Chat</strong>" in html
    assert 'href="https://console.example.com/renewals/"' in html
    assert "https://console.example.com/messages/settings/" in html
    delivery = notice.deliveries.get(channel=Channel.EMAIL)
    assert delivery.status == Delivery.Status.SENT
    assert delivery.provider_message_id == message["Message-ID"].strip()


@pytest.mark.django_db
def test_chinese_account_gets_chinese_email(smtp, django_capture_on_commit_callbacks):
    account = AccountFactory(owner__email="zhang@example.cn", language="zh-hans", name="星辰游戏")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            kind=Kind.BALANCE_ALERT,
            account=account,
            subject=account,
            day=dt.date(2026, 3, 2),
            context={
                "available_balance": Decimal("1234.5"),
                "threshold": Decimal("2000"),
                "cash_balance": Decimal("1000"),
                "gift_balance": Decimal("234.5"),
            },
        )
    (message,) = smtp.wait_for("zhang@example.cn")
    assert message["Subject"].strip() == "【余额预警】可用余额 ¥1,234.50，已低于预警阈值 ¥2,000.00"
    text, html = _bodies(message)
    assert "账号 星辰游戏 的可用余额已降至 ¥1,234.50" in text
    assert "立即充值" in html
    assert 'lang="zh-CN"' in html


@pytest.mark.django_db
def test_smtp_down_is_retried_then_failed(
    account, settings, eager_retries, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    settings.NOTIFICATIONS_MAX_RETRIES = 2
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(
            kind=Kind.ARREARS,
            account=account,
            subject=account,
            day=dt.date(2026, 3, 2),
            context={"amount_due": Decimal("32"), "stops_at": EXPIRES},
        )
    delivery = notice.deliveries.get(channel=Channel.EMAIL)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 3
    assert "SMTP unavailable" in delivery.last_error


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_delivers_email_over_smtp(real_celery, smtp_sink):
    """The whole path: commit → Redis → `celery worker` subprocess → SMTP → the sink."""
    smtp_sink.clear()
    account = AccountFactory(owner__email="worker-owner@example.com", name="Worker Co")
    app = PushAppFactory(account=account, name="Night Owl", access_id="1500000777")
    notice = notify(
        kind=Kind.PUSH_STOPPED,
        account=account,
        subject=app,
        day=dt.date(2026, 3, 9),
        context={"stopped_at": EXPIRES, "destroys_at": EXPIRES + dt.timedelta(days=7)},
    )

    (message,) = smtp_sink.wait_for("worker-owner@example.com", timeout=60)
    assert message["Subject"].strip() == "Mobile Push app Night Owl (1500000777) is stopped"
    text, _html = _bodies(message)
    assert "Access ID 1500000777" in text
    assert "On 2026-03-12 00:00 the app's data" in text  # destroys_at, in Asia/Shanghai

    delivery = notice.deliveries.get(channel=Channel.EMAIL)
    deadline = time.monotonic() + 30
    while delivery.status != Delivery.Status.SENT and time.monotonic() < deadline:
        time.sleep(0.2)
        delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 1
    assert delivery.sent_at <= timezone.now()

    # A second notify for the same key sends nothing more, even through the worker.
    notify(
        kind=Kind.PUSH_STOPPED,
        account=account,
        subject=app,
        day=dt.date(2026, 3, 9),
        context={"stopped_at": EXPIRES, "destroys_at": EXPIRES + dt.timedelta(days=7)},
    )
    time.sleep(2)
    assert len(smtp_sink.to("worker-owner@example.com")) == 1
