"""A delivery is sent at most once: redelivered tasks, crashed workers and the sweep."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.kinds import Channel, Kind
from notifications.models import Delivery
from notifications.services import notify
from notifications.tasks import requeue_stuck_deliveries, send_delivery

EXPIRES = dt.datetime(2026, 3, 4, 16, 0, tzinfo=dt.UTC)


def _queued_email(account):
    """A notice whose email delivery is queued but not yet sent (its task not run)."""
    notice = notify(
        kind=Kind.ARREARS_RECLAIMED,
        account=account,
        subject=account,
        day=dt.date(2026, 3, 2),
        context={"reclaimed_at": EXPIRES},
    )
    return notice.deliveries.get(channel=Channel.EMAIL)


@pytest.mark.django_db
def test_a_task_redelivered_after_sending_sends_nothing(account):
    delivery = _queued_email(account)
    send_delivery.apply(args=[delivery.pk])
    assert len(mail.outbox) == 1

    # acks_late: the broker hands the same message to a worker again.
    result = send_delivery.apply(args=[delivery.pk])
    assert result.get() == "skipped"
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 1


@pytest.mark.django_db
def test_a_worker_that_died_mid_send_is_not_sent_again(account):
    delivery = _queued_email(account)
    # A worker claimed it and was killed before recording the outcome.
    Delivery.objects.filter(pk=delivery.pk).update(
        sending_since=timezone.now() - dt.timedelta(hours=1), attempts=1
    )
    assert send_delivery.apply(args=[delivery.pk]).get() == "failed"
    assert mail.outbox == []
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert "Interrupted while sending" in delivery.last_error


@pytest.mark.django_db
def test_a_delivery_being_sent_right_now_is_left_to_its_worker(account):
    delivery = _queued_email(account)
    Delivery.objects.filter(pk=delivery.pk).update(sending_since=timezone.now())
    assert services.deliver(delivery_id=delivery.pk).status == "skipped"
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_sweep_enqueues_deliveries_whose_task_was_lost(account, settings):
    delivery = _queued_email(account)  # on_commit never ran: the task was never enqueued
    assert requeue_stuck_deliveries.apply().get() == 0  # too recent to call it lost
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now()
        - dt.timedelta(seconds=settings.NOTIFICATIONS_STUCK_AFTER_SECONDS + 1)
    )
    assert requeue_stuck_deliveries.apply().get() == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert len(mail.outbox) == 1
    assert requeue_stuck_deliveries.apply().get() == 0


@pytest.mark.django_db
def test_in_site_message_is_delivered_with_the_notice(account, owner_recipient):
    notice = notify(
        kind=Kind.ARREARS_RECLAIMED,
        account=account,
        subject=account,
        day=dt.date(2026, 3, 2),
        context={"reclaimed_at": EXPIRES},
    )
    insite = notice.deliveries.get(channel=Channel.INSITE)
    assert insite.status == Delivery.Status.SENT
    assert insite.recipient == owner_recipient
    assert insite.read_at is None
