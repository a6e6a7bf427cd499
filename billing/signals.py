from allauth.account.signals import user_signed_up
from django.dispatch import receiver
from django.utils import translation

from billing.services.accounts import open_account


@receiver(user_signed_up)
def open_account_on_sign_up(sender, request, user, **kwargs):
    open_account(user=user, language=translation.get_language() or "en")
