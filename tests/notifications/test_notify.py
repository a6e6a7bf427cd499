"""notify(): one notice per (subject, kind, day), fanned out once, sent only after commit."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, transaction
from django.template.loader import render_to_string

from notifications import rendering
from notifications.kinds import KINDS, Category, Channel, Kind
from notifications.models import Delivery, Notice
from notifications.services import notify
from tests.factories import AccountFactory, PushAppFactory

DAY = dt.date(2026, 3, 1)
EXPIRES = dt.datetime(2026, 3, 4, 0, 0, tzinfo=dt.UTC)


def _remind(app, *, day=DAY):
    return notify(
        kind=Kind.PUSH_EXPIRY_REMINDER,
        account=app.account,
        subject=app,
        day=day,
        context={"expires_at": EXPIRES, "days_left": 3},
    )


@pytest.mark.django_db
def test_new_account_owner_is_subscribed_to_everything(account, owner_recipient):
    assert owner_recipient.email == "owner@example.com"
    assert owner_recipient.email_verified  # verified by sign-up
    assert owner_recipient.user == account.owner
    cells = set(owner_recipient.subscriptions.values_list("category", "channel"))
    assert cells == {
        (category, channel) for category in Category.values for channel in Channel.values
    }


@pytest.mark.django_db
def test_same_notice_twice_is_one_notice_and_one_delivery_per_channel(
    account, django_capture_on_commit_callbacks
):
    app = PushAppFactory(account=account, name="Hero Chat")
    with django_capture_on_commit_callbacks(execute=True):
        first = _remind(app)
    with django_capture_on_commit_callbacks(execute=True) as second_callbacks:
        second = _remind(app)

    assert first.pk == second.pk
    assert Notice.objects.count() == 1
    assert second_callbacks == []  # nothing enqueued the second time
    deliveries = Delivery.objects.filter(notice=first)
    # Owner: verified email + in-site (no mobile yet, so no SMS).
    assert sorted(deliveries.values_list("channel", flat=True)) == [Channel.EMAIL, Channel.INSITE]
    assert set(deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert len(mail.outbox) == 1
    assert first.dedupe_key == f"billing.pushapp:{app.pk}:push_expiry_reminder:2026-03-01"


@pytest.mark.django_db
def test_another_day_is_another_notice(account, django_capture_on_commit_callbacks):
    app = PushAppFactory(account=account)
    with django_capture_on_commit_callbacks(execute=True):
        _remind(app, day=DAY)
        _remind(app, day=DAY + dt.timedelta(days=1))
    assert Notice.objects.count() == 2
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_nothing_is_sent_when_the_callers_transaction_rolls_back(
    account, django_capture_on_commit_callbacks
):
    app = PushAppFactory(account=account)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _remind(app)
                raise RuntimeError("the renewal failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert Notice.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_deliveries_wait_for_the_callers_commit(account, django_capture_on_commit_callbacks):
    app = PushAppFactory(account=account)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            notice = _remind(app)
        email_delivery = notice.deliveries.get(channel=Channel.EMAIL)
        assert email_delivery.status == Delivery.Status.QUEUED
        assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    email_delivery.refresh_from_db()
    assert email_delivery.status == Delivery.Status.SENT
    assert email_delivery.attempts == 1
    assert email_delivery.provider_message_id.startswith("<")


@pytest.mark.django_db
def test_notify_refuses_unknown_kind_missing_context_and_foreign_subjects(account):
    app = PushAppFactory(account=account)
    with pytest.raises(ValueError, match="Unknown notice kind"):
        notify(kind="push_exploded", account=account, subject=app, day=DAY, context={})
    with pytest.raises(ValueError, match="missing context: days_left"):
        notify(
            kind=Kind.PUSH_EXPIRY_REMINDER,
            account=account,
            subject=app,
            day=DAY,
            context={"expires_at": EXPIRES},
        )
    other = AccountFactory()
    with pytest.raises(ValueError, match="does not belong"):
        notify(
            kind=Kind.PUSH_EXPIRY_REMINDER,
            account=other,
            subject=app,
            day=DAY,
            context={"expires_at": EXPIRES, "days_left": 3},
        )


@pytest.mark.django_db
def test_context_keeps_its_types_and_the_subject_is_frozen_into_it(account):
    app = PushAppFactory(account=account, name="Hero Chat", access_id="1500009999")
    notify(
        kind=Kind.ARREARS,
        account=account,
        subject=account,
        day=DAY,
        context={"amount_due": Decimal("128.00"), "stops_at": EXPIRES, "resources": ["a", "b"]},
    )
    _remind(app)
    arrears = Notice.objects.get(kind=Kind.ARREARS)
    assert arrears.context["amount_due"] == Decimal("128.00")
    assert arrears.context["stops_at"] == EXPIRES
    reminder = Notice.objects.get(kind=Kind.PUSH_EXPIRY_REMINDER)
    assert reminder.context["app_name"] == "Hero Chat"
    assert reminder.context["access_id"] == "1500009999"


@pytest.mark.django_db(transaction=True)
def test_concurrent_notify_with_the_same_key_creates_one_notice():
    account = AccountFactory()
    app = PushAppFactory(account=account)
    barrier = threading.Barrier(4)
    errors = []

    def call():
        try:
            barrier.wait()
            with transaction.atomic():
                _remind(app)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Notice.objects.count() == 1
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 1


SAMPLE_CONTEXT = {
    "expires_at": EXPIRES,
    "days_left": 3,
    "stops_at": EXPIRES,
    "stopped_at": EXPIRES,
    "destroys_at": EXPIRES,
    "destroyed_at": EXPIRES,
    "dau": 12345,
    "reclaims_at": EXPIRES,
    "reclaimed_at": EXPIRES,
    "capacity_wan": 10,
    "amount_due": Decimal("1234.5"),
    "resources": ["Hero Chat (1500000001)"],
    "used": 900_000,
    "total": 1_000_000,
    "reason": "packs_exhausted",
    "available_balance": Decimal("99.99"),
    "threshold": Decimal("100"),
    "cash_balance": Decimal("90"),
    "gift_balance": Decimal("9.99"),
    "code": "123456",
    "valid_minutes": 10,
    "app_name": "Hero <Chat>",
    "access_id": "1500000001",
    "platform": "Android",
    "pack_kind": "count",
    "pack_size": 1_000_000,
    "pack_remaining": 100_000,
    "pack_bought_at": EXPIRES,
    "pack_expires_at": EXPIRES,
    "ticket_id": 7,
    "ticket_kind": "normal",
    "ticket_status": "refunded",
    "order_number": "P20260301000001",
    "refund_amount": Decimal("533.33"),
    "staff_reason": "",
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", rendering.LANGUAGES)
@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_has_every_part_in_every_language(kind, language):
    context = {
        **SAMPLE_CONTEXT,
        "recipient_name": "Li Lei",
        "account_name": "Acme Games",
        "link": "http://console.test/x",
        "settings_link": "http://console.test/s",
    }
    parts = {
        part: render_to_string(f"notifications/{language}/{kind}.html#{part}", context).strip()
        for part in ("subject", "text", "html", "sms")
    }
    assert all(parts.values()), parts
    assert "\n" not in parts["subject"]
    assert "Hero <Chat>" not in parts["html"]  # HTML is escaped ...
    if "app_name" in KINDS[kind].sms_params:
        assert "Hero <Chat>" in parts["text"]  # ... plain text and SMS are not
    assert len(parts["sms"]) < 160
    assert "{{" not in "".join(parts.values()) and "{%" not in "".join(parts.values())
    if language == "zh-hans":
        assert any("\u4e00" <= char <= "\u9fff" for char in parts["text"])
