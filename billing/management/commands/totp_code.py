"""Print a staff user's current TOTP code: for the demo (make run) and for support desks that
keep staff authenticators on a server. Whoever can run manage.py can read the database anyway."""

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the current two-factor (TOTP) code of a staff user, by email."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        authenticator = Authenticator.objects.filter(
            user__email__iexact=email, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError(f"{email} has no two-factor authenticator.")
        secret = decrypt(authenticator.data["secret"])
        now, period = int(time.time()), app_settings.TOTP_PERIOD
        code = format_hotp_value(hotp_value(secret, now // period))
        self.stdout.write(f"{code}  (valid for {period - now % period} more seconds)")
