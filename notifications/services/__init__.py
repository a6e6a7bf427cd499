"""The notifications services: notify (what happened, to whom), delivery (sending, retries,
resend) and inbox (in-site messages). Import the function from here."""

from .delivery import (
    DeliveryOutcome,
    deliver,
    enqueue_delivery,
    requeue_stuck_deliveries,
    resend_failed,
    retry_delay,
)
from .inbox import mark_messages_read
from .notify import describe_subject, notify

__all__ = [
    "DeliveryOutcome",
    "deliver",
    "describe_subject",
    "enqueue_delivery",
    "mark_messages_read",
    "notify",
    "requeue_stuck_deliveries",
    "resend_failed",
    "retry_delay",
]
