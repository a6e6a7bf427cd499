"""notify(): the one way the rest of the code base tells a customer something.

A notice is told at most once per (subject, kind, day) (SPEC.md §3 Notices); it fans out to one
delivery per subscribed, verified recipient and channel (SPEC.md §4), and each delivery is sent
at most once by a Celery task.
"""

import datetime as dt
import logging
import random
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from billing.models import (
    Account,
    CaptchaPack,
    Order,
    PushApp,
    RefundTicket,
    RefundTicketEvent,
)

from . import rendering
from .channels import PermanentDeliveryError, TransientDeliveryError
from .channels.email import send_email
from .channels.sms import get_sms_backend
from .kinds import KINDS, MEMBER_ROLES, Channel, Kind
from .models import Delivery, Notice, Recipient, Subscription, VerificationCode
from .recipients import ensure_default_recipients

logger = logging.getLogger(__name__)


def notify(
    *, kind: str, account: Account, subject, day: dt.date, context: dict | None = None
) -> Notice:
    """Record that `kind` happened to `subject` on `day` and send it to whoever subscribed.

    Safe to call twice (the second call returns the first notice and sends nothing) and inside
    the caller's transaction: deliveries are enqueued only when it commits. `context` holds
    what the message shows (str, int, Decimal, aware datetime, date, lists of them); the
    subject's name, Access ID, pack size and so on are added from `subject`.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown notice kind {kind!r}")
    if subject is None or subject.pk is None:
        raise ValueError("notify() needs a saved subject")
    subject_account_id = (
        account.pk if isinstance(subject, Account) else getattr(subject, "account_id", None)
    )
    if subject_account_id != account.pk:
        raise ValueError(f"{subject!r} does not belong to account {account.pk}")
    frozen = {**describe_subject(subject), **(context or {})}
    missing = [key for key in KINDS[kind].required_context if key not in frozen]
    if missing:
        raise ValueError(f"notify(kind={kind!r}) is missing context: {', '.join(missing)}")

    with transaction.atomic():
        notice, created = Notice.objects.get_or_create(
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            kind=kind,
            day=day,
            defaults={"account": account, "context": frozen},
        )
        if created:
            _fan_out(notice)
    return notice


EVENT_STATUS = {
    RefundTicketEvent.Action.SUBMITTED: RefundTicket.Status.SUBMITTED,
    RefundTicketEvent.Action.REVIEW_STARTED: RefundTicket.Status.UNDER_REVIEW,
    # Not a ticket status (the ticket goes straight on to refunded): the step the event tells.
    RefundTicketEvent.Action.APPROVED: "approved",
    RefundTicketEvent.Action.REFUNDED: RefundTicket.Status.REFUNDED,
    RefundTicketEvent.Action.REJECTED: RefundTicket.Status.REJECTED,
    RefundTicketEvent.Action.WITHDRAWN: RefundTicket.Status.WITHDRAWN,
}


def describe_subject(subject) -> dict:
    """What every message about this subject shows, frozen when the notice is created."""
    if isinstance(subject, PushApp):
        return {
            "app_name": subject.name,
            "access_id": subject.access_id,
            "platform": subject.get_platform_display(),
        }
    if isinstance(subject, CaptchaPack):
        return {
            "pack_kind": subject.kind,
            "pack_size": subject.size,
            "pack_remaining": subject.remaining,
            "pack_bought_at": subject.bought_at,
            "pack_expires_at": subject.expires_at,
        }
    if isinstance(subject, RefundTicketEvent):
        # Each status change is its own subject, so every change is told once (SPEC.md §3),
        # and each tells the status it moved to, not the ticket's status by the time it is sent.
        return {
            **describe_subject(subject.ticket),
            "ticket_status": EVENT_STATUS.get(subject.action, subject.ticket.status),
        }
    if isinstance(subject, Order):
        return {
            "order_number": subject.number,
            "order_total": subject.total,
            "order_kind": subject.kind,
            "product_name": subject.product.name,
            "app_name": subject.app.name if subject.app_id else "",
            "pack_verifications": subject.sku.verifications if subject.sku_id else 0,
            "paid_at": subject.created_at,
            "receipt_link": settings.CONSOLE_BASE_URL.rstrip("/")
            + reverse("console:receipt", args=[subject.number]),
        }
    if isinstance(subject, RefundTicket):
        order = subject.order
        return {
            "ticket_id": subject.pk,
            "ticket_kind": subject.kind,
            "ticket_status": subject.status,
            "order_number": order.number,
            "refund_amount": subject.approved_amount
            if subject.approved_amount is not None
            else subject.quoted_amount,
            "staff_reason": subject.staff_reason,
        }
    if isinstance(subject, Account):
        return {"account_name": subject.name}
    return {}


@dataclass(frozen=True)
class _Target:
    recipient: Recipient
    channel: str
    address: str


def _fan_out(notice: Notice) -> None:
    deliveries = []
    for target in _targets(notice):
        delivery = Delivery(
            notice=notice,
            recipient=target.recipient,
            channel=target.channel,
            address=target.address,
        )
        if target.channel == Channel.INSITE:
            # Writing the inbox row is the sending: it appears when the caller commits.
            delivery.attempts = 1
            delivery.mark_sent()
        deliveries.append(delivery)
    Delivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        if delivery.status == Delivery.Status.QUEUED:
            transaction.on_commit(lambda pk=delivery.pk: enqueue_delivery(pk), robust=True)


def _targets(notice: Notice) -> list[_Target]:
    if notice.kind == Kind.VERIFICATION_CODE:
        # A code goes to the one address being verified, whatever the subscriptions say.
        code = VerificationCode.objects.select_related("recipient").get(pk=notice.subject_id)
        return [_Target(code.recipient, code.channel, code.address)]
    account = notice.account
    ensure_default_recipients(account=account)
    subscriptions = (
        Subscription.objects.filter(
            recipient__account=account, category=KINDS[notice.kind].category
        )
        .filter(_eligible(account))
        .select_related("recipient")
    )
    return [
        _Target(sub.recipient, sub.channel, sub.recipient.address(sub.channel))
        for sub in subscriptions
        if sub.recipient.can_receive(sub.channel)
    ]


def _eligible(account: Account) -> Q:
    """The owner, contacts without a login, and sub-accounts still in an admin/finance role."""
    return (
        Q(recipient__is_owner=True)
        | Q(recipient__user__isnull=True)
        | Q(
            recipient__user__membership__account=account,
            recipient__user__membership__role__in=MEMBER_ROLES,
        )
    )


def enqueue_delivery(delivery_id: int) -> None:
    from .tasks import send_delivery

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


# --- in-site messages ----------------------------------------------------------------------


def mark_messages_read(*, user, account, now: dt.datetime, delivery_id: int | None = None) -> int:
    """Mark one in-site message (or all of them) read for this person; returns how many."""
    from .selectors import inbox

    unread = inbox(user=user, account=account, unread_only=True)
    if delivery_id is not None:
        unread = unread.filter(pk=delivery_id)
    return Delivery.objects.filter(pk__in=unread.values("pk")).update(read_at=now)
