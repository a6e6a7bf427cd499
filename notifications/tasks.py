"""Celery tasks: thin wrappers that call notifications.services.

The services are imported in the task bodies (HackSoft's styleguide): the delivery service
enqueues these tasks, so a module-level import here would be an import cycle."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def send_delivery(self, delivery_id: int) -> str:
    """Send one delivery; transient provider errors retry with exponential backoff."""
    from .services import delivery

    retries_so_far = self.request.retries
    outcome = delivery.deliver(
        delivery_id=delivery_id,
        final_attempt=retries_so_far >= settings.NOTIFICATIONS_MAX_RETRIES,
        retry_in=delivery.retry_delay(retries_so_far=retries_so_far),
    )
    if outcome.status == "retry":
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(ignore_result=True)
def requeue_stuck_deliveries() -> int:
    """Periodic safety net for deliveries whose task never reached a worker."""
    from .services import delivery

    return delivery.requeue_stuck_deliveries(now=timezone.now())
