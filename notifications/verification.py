"""Verifying a recipient's email or mobile with a 6-digit code (SPEC.md §4): only a verified
address receives messages. Codes are limited per account and per address and stored hashed."""

import datetime as dt
import secrets

from django.db import connection, transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from billing.days import billing_day

from .kinds import VERIFIED_CHANNELS, Channel, Kind
from .models import Recipient, VerificationCode
from .recipients import RecipientError
from .services import notify

CODE_VALIDITY = dt.timedelta(minutes=10)
CODE_RESEND_AFTER = dt.timedelta(seconds=60)
CODE_MAX_ATTEMPTS = 5
CODES_PER_DAY = 10


def _code_hash(*, address: str, code: str) -> str:
    return salted_hmac(
        "notifications.VerificationCode", f"{address}:{code}", algorithm="sha256"
    ).hexdigest()


def _lock_sending(*, account_id: int, address: str) -> None:
    """Serialise code sending per account and per address (two accounts may add one number)."""
    with connection.cursor() as cursor:
        for name in (f"codes:account:{account_id}", f"codes:address:{address.lower()}"):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


def _refuse_over_limit(sent, now: dt.datetime) -> None:
    last = sent.order_by("-created_at").values_list("created_at", flat=True).first()
    if last and now - last < CODE_RESEND_AFTER:
        wait = int((CODE_RESEND_AFTER - (now - last)).total_seconds()) + 1
        raise RecipientError(
            _("A code was just sent. Try again in %(seconds)d s.") % {"seconds": wait}
        )
    if sent.filter(created_at__gte=now - dt.timedelta(days=1)).count() >= CODES_PER_DAY:
        raise RecipientError(_("Too many codes today. Try again tomorrow."))


def send_verification_code(
    *, recipient: Recipient, channel: str, now: dt.datetime
) -> VerificationCode:
    """Send a 6-digit code to the recipient's email or mobile (a verification_code notice)."""
    if channel not in VERIFIED_CHANNELS:
        raise RecipientError(_("Only email and SMS are verified by a code."))
    address = recipient.address(channel)
    if not address:
        raise RecipientError(_("Enter the address first."))
    with transaction.atomic():
        locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
        _lock_sending(account_id=locked.account_id, address=address)
        # SPEC §6: per account and per address, counting every code ever sent (codes outlive
        # their recipient), so removing and adding an address again resets nothing.
        _refuse_over_limit(VerificationCode.objects.filter(account_id=locked.account_id), now)
        _refuse_over_limit(VerificationCode.objects.filter(address__iexact=address), now)
        code = f"{secrets.randbelow(10**6):06d}"
        verification = VerificationCode.objects.create(
            account_id=locked.account_id,
            recipient=locked,
            channel=channel,
            address=address,
            code_hash=_code_hash(address=address, code=code),
            created_at=now,
            expires_at=now + CODE_VALIDITY,
        )
        notify(
            kind=Kind.VERIFICATION_CODE,
            account=locked.account,
            subject=verification,
            day=billing_day(now),
            context={"code": code, "valid_minutes": int(CODE_VALIDITY.total_seconds() // 60)},
        )
    return verification


def confirm_verification_code(
    *, recipient: Recipient, channel: str, code: str, now: dt.datetime
) -> Recipient:
    code = code.strip()
    with transaction.atomic():
        locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
        verification = VerificationCode.objects.filter(
            recipient=locked, channel=channel, used_at__isnull=True
        ).first()
        problem = _code_problem(verification, locked, channel, now)
        if problem is None:
            verification.attempts += 1
            if constant_time_compare(
                _code_hash(address=verification.address, code=code), verification.code_hash
            ):
                verification.used_at = now
                if channel == Channel.EMAIL:
                    locked.email_verified_at = now
                else:
                    locked.mobile_verified_at = now
                locked.save()
            else:
                problem = _("That code is not right.")
            verification.save()
    if problem:
        raise RecipientError(problem)
    return locked


def _code_problem(verification, recipient: Recipient, channel: str, now) -> str | None:
    if verification is None or verification.expires_at <= now:
        return _("The code has expired. Send a new one.")
    if verification.address != recipient.address(channel):
        return _("The address changed after the code was sent. Send a new one.")
    if verification.attempts >= CODE_MAX_ATTEMPTS:
        return _("Too many wrong codes. Send a new one.")
    return None
