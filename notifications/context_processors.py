from django.utils.functional import SimpleLazyObject

from billing.selectors import acting_for_user

from . import selectors


def unread(request):
    """`unread_message_count` for the Messages badge; counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_message_count": 0}

    def count() -> int:
        acting = getattr(request, "acting", None) or acting_for_user(user)
        return selectors.unread_count(user=user, account=acting.account) if acting else 0

    return {"unread_message_count": SimpleLazyObject(count)}
