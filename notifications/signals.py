from allauth.account.signals import email_confirmed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from billing.models import Account, Membership

from .kinds import MEMBER_ROLES
from .models import Recipient
from .recipients import ensure_default_recipients


@receiver(post_save, sender=Account, dispatch_uid="notifications_owner_recipient")
def create_owner_recipient(sender, instance: Account, created: bool, raw: bool = False, **kwargs):
    """New accounts start with the owner subscribed to everything (SPEC.md §4)."""
    if created and not raw:
        ensure_default_recipients(account=instance)


@receiver(post_save, sender=Membership, dispatch_uid="notifications_member_recipient")
def create_member_recipient(sender, instance: Membership, raw: bool = False, **kwargs):
    """Admin and finance sub-accounts get expiry and arrears messages (SPEC.md §3)."""
    if not raw and instance.role in MEMBER_ROLES:
        ensure_default_recipients(account=instance.account)


@receiver(email_confirmed, dispatch_uid="notifications_login_email_confirmed")
def login_email_confirmed(sender, request, email_address, **kwargs):
    """The sign-up confirmation verifies the same address for notices (SPEC §6)."""
    Recipient.objects.filter(
        user=email_address.user, email__iexact=email_address.email, email_verified_at__isnull=True
    ).update(email_verified_at=timezone.now())
