from allauth.account.signals import user_signed_up
from django.dispatch import receiver
from django.utils import translation

from billing.services.accounts import open_account
from billing.services.members import pending_invitation_exists


@receiver(user_signed_up)
def open_account_on_sign_up(sender, request, user, **kwargs):
    # Someone invited as a sub-account signs up to accept: no account of their own (yet); the
    # invitation page offers one if they decline.
    if pending_invitation_exists(user.email):
        return
    open_account(user=user, language=translation.get_language() or "en")
