"""In-site messages: reading them."""

import datetime as dt

from ..models import Delivery
from ..selectors import inbox


def mark_messages_read(*, user, account, now: dt.datetime, delivery_id: int | None = None) -> int:
    """Mark one in-site message (or all of them) read for this person; returns how many."""
    unread = inbox(user=user, account=account, unread_only=True)
    if delivery_id is not None:
        unread = unread.filter(pk=delivery_id)
    return Delivery.objects.filter(pk__in=unread.values("pk")).update(read_at=now)
