"""Read queries for the Messages pages and the navigation badge."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from .kinds import KINDS, Category, Channel, Kind
from .models import Delivery, Recipient


def _kinds_in(category: str) -> list[str]:
    return [kind for kind, spec in KINDS.items() if spec.category == category]


def inbox(*, user, account, category: str | None = None, unread_only: bool = False) -> QuerySet:
    """The person's in-site messages, newest first."""
    messages = Delivery.objects.filter(
        channel=Channel.INSITE,
        status=Delivery.Status.SENT,
        recipient__user=user,
        recipient__account=account,
    ).select_related("notice__account", "recipient")
    if category in Category.values:
        messages = messages.filter(notice__kind__in=_kinds_in(category))
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    return messages.order_by("-notice__created_at", "-id")


def unread_count(*, user, account) -> int:
    return inbox(user=user, account=account, unread_only=True).count()


def unread_by_category(*, user, account) -> dict[str, int]:
    counts: dict[str, int] = {}
    rows = (
        inbox(user=user, account=account, unread_only=True)
        .order_by()
        .values("notice__kind")
        .annotate(count=Count("pk"))
    )
    for row in rows:
        category = category_of(row["notice__kind"])
        counts[category] = counts.get(category, 0) + row["count"]
    return counts


# Categories that can reach the inbox (verification codes go only to the address verified).
INBOX_CATEGORIES = frozenset(
    spec.category for kind, spec in KINDS.items() if kind != Kind.VERIFICATION_CODE
)


def category_of(kind: str) -> str:
    return KINDS[kind].category if kind in KINDS else Category.ACCOUNT


@dataclass(frozen=True)
class MatrixCell:
    category: str
    channel: str
    channel_label: str
    subscribed: bool
    # False when nothing would arrive: no address, not verified, or no console login.
    deliverable: bool
    available: bool


@dataclass(frozen=True)
class MatrixRow:
    category: str
    label: str
    cells: list[MatrixCell]


def subscription_matrix(*, recipient: Recipient) -> list[MatrixRow]:
    ticked = set(recipient.subscriptions.values_list("category", "channel"))
    rows = []
    for category in Category:
        cells = [
            MatrixCell(
                category=category.value,
                channel=channel.value,
                channel_label=channel.label,
                subscribed=(category.value, channel.value) in ticked,
                deliverable=recipient.can_receive(channel),
                available=channel != Channel.INSITE or recipient.user_id is not None,
            )
            for channel in Channel
        ]
        rows.append(MatrixRow(category=category.value, label=category.label, cells=cells))
    return rows


def recipients_of(*, account) -> QuerySet:
    return Recipient.objects.filter(account=account).select_related("user__membership")
