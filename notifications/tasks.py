"""Celery tasks: thin wrappers that call notifications.services."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def send_delivery(self, delivery_id: int) -> str:
    """Send one delivery; transient provider errors retry with exponential backoff."""
    retries_so_far = self.request.retries
    outcome = services.deliver(
        delivery_id=delivery_id,
        final_attempt=retries_so_far >= settings.NOTIFICATIONS_MAX_RETRIES,
        retry_in=services.retry_delay(retries_so_far=retries_so_far),
    )
    if outcome.status == "retry":
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(ignore_result=True)
def requeue_stuck_deliveries() -> int:
    """Periodic safety net for deliveries whose task never reached a worker."""
    return services.requeue_stuck_deliveries(now=timezone.now())
