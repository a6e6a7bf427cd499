"""Who gets which messages on which channel (SPEC.md §4 Message subscriptions).

Every main account has its owner as a recipient, subscribed to everything on every channel;
sub-accounts in an admin or finance role get expiry and arrears messages (SPEC.md §3
"Recipients"). Email and SMS addresses receive nothing but a code until that code is entered.
"""

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Account, Membership

from .kinds import (
    MEMBER_DEFAULT_CATEGORIES,
    MEMBER_ROLES,
    Category,
    Channel,
)
from .models import Recipient, Subscription

RECIPIENTS_PER_ACCOUNT = 20


class RecipientError(Exception):
    """A rule refused the change; the message is shown to the person as it is."""


def _display_name(user) -> str:
    return user.get_full_name() or user.email or user.get_username()


def ensure_default_recipients(*, account: Account) -> None:
    """Create the owner's recipient and one per admin/finance sub-account, if missing."""
    if not Recipient.objects.filter(account=account, is_owner=True).exists():
        owner = account.owner
        _create_default(
            account=account,
            user=owner,
            is_owner=True,
            cells=[(category, channel) for category in Category for channel in Channel],
        )
    members = (
        Membership.objects.filter(account=account, role__in=MEMBER_ROLES)
        .exclude(user__message_recipients__account=account)
        .select_related("user")
    )
    for membership in members:
        _create_default(
            account=account,
            user=membership.user,
            is_owner=False,
            cells=[
                (category, channel) for category in MEMBER_DEFAULT_CATEGORIES for channel in Channel
            ],
        )


def login_email_confirmed(user) -> bool:
    return (
        bool(user.email)
        and EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
    )


def _create_default(*, account: Account, user, is_owner: bool, cells) -> None:
    now = timezone.now()
    try:
        with transaction.atomic():
            recipient = Recipient.objects.create(
                account=account,
                user=user,
                is_owner=is_owner,
                name=_display_name(user)[:80],
                email=user.email or "",
                # SPEC §6: the login email counts as verified once its sign-up confirmation was
                # clicked (allauth); until then nothing goes to it (see signals.py).
                email_verified_at=now if login_email_confirmed(user) else None,
            )
            Subscription.objects.bulk_create(
                Subscription(recipient=recipient, category=category, channel=channel)
                for category, channel in cells
            )
    except IntegrityError:
        pass  # created concurrently by another request: theirs is as good as ours


def add_recipient(*, account: Account, name: str, email: str, mobile) -> Recipient:
    name = name.strip()
    if not name:
        raise RecipientError(_("Enter a name."))
    if not email and not mobile:
        raise RecipientError(_("Enter an email address or a mobile number."))
    # A soft limit against runaway lists; not worth taking the account's (money) row lock for.
    if Recipient.objects.filter(account=account).count() >= RECIPIENTS_PER_ACCOUNT:
        raise RecipientError(
            _("An account can have at most %(count)d recipients.")
            % {"count": RECIPIENTS_PER_ACCOUNT}
        )
    return Recipient.objects.create(
        account=account, name=name, email=email or "", mobile=mobile or ""
    )


def update_recipient(*, recipient: Recipient, name: str, email: str, mobile) -> Recipient:
    """A changed address is unverified again: the old code proved only the old address."""
    name = name.strip()
    if not name:
        raise RecipientError(_("Enter a name."))
    email, mobile = email or "", mobile or ""
    with transaction.atomic():
        locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
        if locked.email != email:
            locked.email, locked.email_verified_at = email, None
        if str(locked.mobile or "") != str(mobile):
            locked.mobile, locked.mobile_verified_at = mobile, None
        locked.name = name
        locked.save()
    return locked


def remove_recipient(*, recipient: Recipient) -> None:
    if recipient.user_id is not None:
        raise RecipientError(
            _(
                "The owner and sub-accounts stay recipients; "
                "clear their boxes to stop their messages."
            )
        )
    recipient.delete()


def set_subscriptions(*, recipient: Recipient, cells: Iterable[tuple[str, str]]) -> None:
    """Replace the recipient's category × channel matrix with exactly these cells."""
    wanted = {(category, channel) for category, channel in cells}
    unknown = {
        cell for cell in wanted if cell[0] not in Category.values or cell[1] not in Channel.values
    }
    if unknown:
        raise RecipientError(_("Unknown category or channel."))
    if recipient.user_id is None and any(
        channel == Channel.INSITE for _category, channel in wanted
    ):
        raise RecipientError(_("In-site messages need a console login."))
    with transaction.atomic():
        Recipient.objects.select_for_update().get(pk=recipient.pk)
        existing = {
            (sub.category, sub.channel): sub.pk
            for sub in Subscription.objects.filter(recipient=recipient)
        }
        Subscription.objects.filter(
            pk__in=[pk for cell, pk in existing.items() if cell not in wanted]
        ).delete()
        Subscription.objects.bulk_create(
            Subscription(recipient=recipient, category=category, channel=channel)
            for category, channel in wanted - existing.keys()
        )
