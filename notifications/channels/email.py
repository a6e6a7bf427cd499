"""Email through Django's email framework (SMTP from settings, or any configured backend)."""

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from .base import PermanentDeliveryError, TransientDeliveryError


def send_email(*, to: str, subject: str, text: str, html: str, reference: str) -> str:
    """Send one message with a plain-text and an HTML part; returns its Message-ID."""
    message_id = make_msgid(idstring=reference, domain=_sender_domain())
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id, "X-Console-Reference": reference},
        connection=get_connection(fail_silently=False),
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(400 <= code < 500 for code in codes):
            raise TransientDeliveryError(f"SMTP recipient deferred: {error.recipients}") from error
        raise PermanentDeliveryError(f"SMTP recipient refused: {error.recipients}") from error
    except smtplib.SMTPResponseException as error:
        text_error = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
        if 400 <= error.smtp_code < 500:
            raise TransientDeliveryError(text_error) from error
        raise PermanentDeliveryError(text_error) from error
    except (smtplib.SMTPException, OSError) as error:
        # Connection refused, timeouts, a dropped connection: the server may be back soon.
        raise TransientDeliveryError(f"SMTP unavailable: {error!r}") from error
    return message_id


def _sender_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return address.rsplit("@", 1)[-1] if "@" in address else "console.localhost"
