"""notify(): the one way the rest of the code base tells a customer something.

A notice is told at most once per (subject, kind, day) (SPEC.md §3 Notices); it fans out to one
delivery per subscribed, verified recipient and channel (SPEC.md §4); delivery.py sends each.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from billing.models import (
    Account,
    CaptchaPack,
    Order,
    PushApp,
    RefundTicket,
    RefundTicketEvent,
)

from ..kinds import KINDS, MEMBER_ROLES, Channel, Kind
from ..models import Delivery, Notice, Recipient, Subscription, VerificationCode
from ..recipients import ensure_default_recipients
from .delivery import enqueue_delivery

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
