"""Recipients and subscriptions (SPEC.md §4), notices and their deliveries (SPEC.md §3 Notices)."""

import datetime as dt
import json
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from phonenumber_field.modelfields import PhoneNumberField

from .kinds import Category, Channel, Kind


class Recipient(models.Model):
    """Someone a main account sends messages to: the owner, a sub-account, or any contact."""

    account = models.ForeignKey(
        "billing.Account",
        on_delete=models.CASCADE,
        related_name="message_recipients",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=80)
    email = models.EmailField(_("email"), blank=True)
    mobile = PhoneNumberField(_("mobile number"), blank=True)
    # A console user reads in-site messages; contacts without a login only get email and SMS.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="message_recipients",
        verbose_name=_("user"),
    )
    is_owner = models.BooleanField(_("account owner"), default=False)
    email_verified_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("email verified at")
    )
    mobile_verified_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("mobile verified at")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("message recipient")
        verbose_name_plural = _("message recipients")
        ordering = ["-is_owner", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(is_owner=True), name="recipient_one_owner"
            ),
            models.UniqueConstraint(
                fields=["account", "user"],
                condition=Q(user__isnull=False),
                name="recipient_one_per_user",
            ),
            models.CheckConstraint(
                condition=Q(is_owner=False) | Q(user__isnull=False), name="recipient_owner_has_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.account})"

    @property
    def email_verified(self) -> bool:
        return bool(self.email) and self.email_verified_at is not None

    @property
    def mobile_verified(self) -> bool:
        return bool(self.mobile) and self.mobile_verified_at is not None

    def address(self, channel: str) -> str:
        if channel == Channel.EMAIL:
            return self.email
        if channel == Channel.SMS:
            return str(self.mobile) if self.mobile else ""
        return ""

    def can_receive(self, channel: str) -> bool:
        """Email and SMS only once their address is verified; in-site only for a console user."""
        if channel == Channel.EMAIL:
            return self.email_verified
        if channel == Channel.SMS:
            return self.mobile_verified
        return self.user_id is not None


class Subscription(models.Model):
    """One ticked cell of the category × channel matrix of one recipient."""

    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("recipient"),
    )
    category = models.CharField(max_length=20, choices=Category, verbose_name=_("category"))
    channel = models.CharField(max_length=8, choices=Channel, verbose_name=_("channel"))

    class Meta:
        verbose_name = _("message subscription")
        verbose_name_plural = _("message subscriptions")
        ordering = ["recipient", "category", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "category", "channel"], name="subscription_unique_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient.name}: {self.category} by {self.channel}"


class VerificationCode(models.Model):
    """A code sent to one address of a recipient; entering it verifies that channel.

    Kept when the recipient is removed: the sending limits (SPEC §6, per account and per
    address) count every code sent, whatever was removed and added again.
    """

    account = models.ForeignKey(
        "billing.Account", on_delete=models.CASCADE, related_name="+", verbose_name=_("account")
    )
    recipient = models.ForeignKey(
        Recipient,
        null=True,
        on_delete=models.SET_NULL,
        related_name="verification_codes",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(
        max_length=8,
        choices=[
            (Channel.EMAIL.value, Channel.EMAIL.label),
            (Channel.SMS.value, Channel.SMS.label),
        ],
        verbose_name=_("channel"),
    )
    # The address the code went to: a code proves only that address, not a later edit.
    address = models.CharField(max_length=254, verbose_name=_("address"))
    code_hash = models.CharField(max_length=64, verbose_name=_("code hash"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "channel", "created_at"]),
            models.Index(fields=["account", "created_at"]),
            models.Index(fields=["address", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} code for {self.address}"


class ContextEncoder(DjangoJSONEncoder):
    """Keeps Decimal, date and datetime typed in the JSON, so templates get them back typed."""

    def encode(self, o):
        return super().encode(_tag(o))


class ContextDecoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, object_hook=_untag, **kwargs)


def _tag(value):
    if isinstance(value, dict):
        return {key: _tag(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_tag(item) for item in value]
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            raise ValueError("notice context datetimes must be aware")
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    return value


def _untag(obj: dict):
    if len(obj) == 1:
        ((tag, text),) = obj.items()
        if tag == "$decimal":
            return Decimal(text)
        if tag == "$datetime":
            return dt.datetime.fromisoformat(text)
        if tag == "$date":
            return dt.date.fromisoformat(text)
    return obj


class Notice(models.Model):
    """One thing that happened, told at most once per (subject, kind, day) (SPEC.md §3)."""

    account = models.ForeignKey(
        "billing.Account",
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("account"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(verbose_name=_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    # The Asia/Shanghai calendar day the notice is for.
    day = models.DateField(_("day"))
    # Frozen at notice time: what the message says even if the subject changes or is destroyed.
    context = models.JSONField(
        default=dict,
        blank=True,
        encoder=ContextEncoder,
        decoder=ContextDecoder,
        verbose_name=_("context"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "day"], name="notice_once_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.account} · {self.day}"

    @property
    def dedupe_key(self) -> str:
        subject = f"{self.subject_type.app_label}.{self.subject_type.model}:{self.subject_id}"
        return f"{subject}:{self.kind}:{self.day}"


class Delivery(models.Model):
    """A notice to one recipient on one channel. Sent at most once (the row is locked to send)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notice")
    )
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("recipient")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel)
    # The email address or E.164 number when the notice fanned out.
    address = models.CharField(_("to"), max_length=254, blank=True)
    status = FSMField(_("status"), max_length=8, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Set while a worker talks to the provider; a crash leaves it set, and then the outcome is
    # unknown, so the delivery is failed for a person to resend rather than risk a duplicate.
    sending_since = models.DateTimeField(null=True, blank=True, verbose_name=_("sending since"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(
                fields=["recipient", "read_at"],
                condition=Q(channel="insite"),
                name="delivery_inbox_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "recipient", "channel"],
                name="delivery_once_per_recipient_channel",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="delivery_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        to = self.address or self.recipient.name
        return f"{self.notice.get_kind_display()} → {to} ({self.channel})"

    @transition(field=status, source=Status.QUEUED, target=Status.SENT)
    def mark_sent(self, *, provider_message_id: str = "") -> None:
        self.sent_at = timezone.now()
        self.provider_message_id = provider_message_id
        self.sending_since = None
        self.next_attempt_at = None
        self.last_error = ""

    @transition(field=status, source=Status.QUEUED, target=Status.FAILED)
    def mark_failed(self, *, error: str) -> None:
        self.last_error = error
        self.sending_since = None
        self.next_attempt_at = None

    @transition(field=status, source=Status.FAILED, target=Status.QUEUED)
    def requeue(self) -> None:
        self.sending_since = None
        self.next_attempt_at = timezone.now()


class DevSmsMessage(models.Model):
    """What the development SMS backend "sent": read them in the admin instead of on a phone."""

    phone_number = models.CharField(max_length=20, verbose_name=_("phone number"))
    template = models.CharField(max_length=60, verbose_name=_("template"))
    params = models.JSONField(default=list, verbose_name=_("parameters"))
    text = models.TextField(verbose_name=_("text"))
    reference = models.CharField(max_length=80, blank=True, verbose_name=_("reference"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("development SMS")
        verbose_name_plural = _("development SMS outbox")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        # Not the text: titles and logs would show a verification code to anyone.
        return f"SMS to {self.phone_number} ({self.template})"
