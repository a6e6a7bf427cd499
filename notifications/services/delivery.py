"""Sending deliveries: at most once each, by a Celery task, with retries and support's resend."""

import datetime as dt
import logging
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import rendering
from ..channels import PermanentDeliveryError, TransientDeliveryError
from ..channels.email import send_email
from ..channels.sms import get_sms_backend
from ..kinds import KINDS, Channel
from ..models import Delivery
from ..tasks import send_delivery

logger = logging.getLogger(__name__)


def enqueue_delivery(delivery_id: int) -> None:
    send_delivery.delay(delivery_id)


# --- sending -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str  # "sent", "failed", "retry" or "skipped"
    retry_in: float = 0.0


def retry_delay(*, retries_so_far: int) -> float:
    """Exponential backoff with jitter: base, 2×base, 4×base, ... capped."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    delay = min(base * 2**retries_so_far, settings.NOTIFICATIONS_RETRY_MAX_SECONDS)
    return delay * random.uniform(0.8, 1.2)  # jitter, not a secret


def deliver(
    *, delivery_id: int, final_attempt: bool = False, retry_in: float = 0.0
) -> DeliveryOutcome:
    """Send one delivery once. Safe to run twice, concurrently, or after a worker crash.

    The row is locked and claimed (`sending_since`) before the provider is called; a delivery
    already sent or failed is skipped, and one whose claim was never finished (the worker died
    mid-send) is failed rather than sent again, because the provider may have taken it.
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != Delivery.Status.QUEUED:
            return DeliveryOutcome("skipped")
        if delivery.sending_since is not None:
            if now - delivery.sending_since < dt.timedelta(
                seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS
            ):
                return DeliveryOutcome("skipped")  # another worker is sending it right now
            delivery.mark_failed(
                error="Interrupted while sending: the provider may have accepted it, so it is "
                "not retried automatically. Resend it from the admin if it did not arrive."
            )
            delivery.save()
            return DeliveryOutcome("failed")
        delivery.sending_since = now
        delivery.attempts += 1
        delivery.save(update_fields=["sending_since", "attempts"])

    try:
        provider_message_id = _send(delivery)
    except TransientDeliveryError as error:
        return _finish_unsent(
            delivery_id, error=str(error), give_up=final_attempt, retry_in=retry_in
        )
    except PermanentDeliveryError as error:
        return _finish_unsent(delivery_id, error=str(error), give_up=True)
    except Exception as error:
        # A bug (a template error, a missing setting): retrying the same code will not help.
        logger.exception("delivery %s failed unexpectedly", delivery_id)
        return _finish_unsent(delivery_id, error=f"{type(error).__name__}: {error}", give_up=True)

    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        delivery.mark_sent(provider_message_id=provider_message_id)
        delivery.save()
    return DeliveryOutcome("sent")


def _finish_unsent(delivery_id: int, *, error: str, give_up: bool, retry_in: float = 0.0):
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if give_up:
            delivery.mark_failed(error=error[:2000])
            delivery.save()
            return DeliveryOutcome("failed")
        delivery.sending_since = None
        delivery.last_error = error[:2000]
        delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=retry_in)
        delivery.save(update_fields=["sending_since", "last_error", "next_attempt_at"])
    return DeliveryOutcome("retry", retry_in=retry_in)


def _send(delivery: Delivery) -> str:
    delivery = Delivery.objects.select_related("notice__account", "recipient").get(pk=delivery.pk)
    notice, recipient = delivery.notice, delivery.recipient
    reference = f"delivery-{delivery.pk}"
    if delivery.channel == Channel.EMAIL:
        message = rendering.render_email(notice=notice, recipient=recipient)
        return send_email(
            to=delivery.address,
            subject=message.subject,
            text=message.text,
            html=message.html,
            reference=reference,
        )
    if delivery.channel == Channel.SMS:
        text, params = rendering.render_sms(notice=notice, recipient=recipient)
        return get_sms_backend().send(
            phone_number=delivery.address,
            template=KINDS[notice.kind].sms_template,
            params=params,
            text=text,
            reference=reference,
        )
    raise PermanentDeliveryError(f"Channel {delivery.channel!r} is not sent by a worker")


def resend_failed(*, deliveries) -> int:
    """Support's "resend": failed deliveries go back to the queue and are sent again."""
    count = 0
    with transaction.atomic():
        failed = Delivery.objects.select_for_update().filter(
            pk__in=deliveries.values("pk"), status=Delivery.Status.FAILED
        )
        for delivery in failed:
            delivery.requeue()
            delivery.save()
            transaction.on_commit(lambda pk=delivery.pk: enqueue_delivery(pk), robust=True)
            count += 1
    return count


def requeue_stuck_deliveries(*, now: dt.datetime) -> int:
    """Enqueue queued deliveries whose task was lost (broker down at commit, crashed worker).

    Re-running is safe: deliver() skips anything already sent or being sent.
    """
    grace = dt.timedelta(seconds=settings.NOTIFICATIONS_STUCK_AFTER_SECONDS)
    stuck = Delivery.objects.filter(status=Delivery.Status.QUEUED).filter(
        Q(sending_since__isnull=True, next_attempt_at__isnull=True, created_at__lte=now - grace)
        | Q(sending_since__isnull=True, next_attempt_at__lte=now - grace)
        | Q(
            sending_since__lte=now
            - dt.timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS)
        )
    )
    ids = list(stuck.values_list("pk", flat=True)[:1000])
    for delivery_id in ids:
        enqueue_delivery(delivery_id)
    return len(ids)
