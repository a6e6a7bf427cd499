"""Usage in (signed API keys, verification events) and the push resource data that a destroy or
reclaim deletes for good (SPEC.md §3) while the billing history stays."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A SecretId / SecretKey pair for the signed metering API.

    HMAC verification needs the secret itself, so it is stored as issued (as cloud providers'
    own key services do); the console shows it once, at creation, and never again.
    """

    account = models.ForeignKey(
        "billing.Account", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=60)
    secret_id = models.CharField(max_length=40, unique=True)
    secret_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.secret_id})"


class VerificationEvent(models.Model):
    """One server-side ticket verification; the ticket ID makes a resent event count once.

    A ticket identifies a verification within one main account (SPEC §2 ticket scope): the
    same ticket from another account is another verification, and nothing reveals it.
    """

    ticket = models.CharField(max_length=128)
    account = models.ForeignKey("billing.Account", on_delete=models.CASCADE, related_name="+")
    captcha_app = models.ForeignKey(
        "billing.CaptchaApp", on_delete=models.CASCADE, related_name="+"
    )
    verified_at = models.DateTimeField()
    day = models.DateField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["account", "day"])]
        constraints = [
            models.UniqueConstraint(fields=["account", "ticket"], name="verification_ticket_unique")
        ]

    def __str__(self) -> str:
        return self.ticket


class DeviceToken(models.Model):
    app = models.ForeignKey("billing.PushApp", on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=200)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app", "token"], name="device_token_unique")]

    def __str__(self) -> str:
        return self.token


class AccountBinding(models.Model):
    app = models.ForeignKey("billing.PushApp", on_delete=models.CASCADE, related_name="+")
    account_name = models.CharField(max_length=120)
    token = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.account_name} → {self.token}"


class TagBinding(models.Model):
    app = models.ForeignKey("billing.PushApp", on_delete=models.CASCADE, related_name="+")
    tag = models.CharField(max_length=120)
    token = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.tag} → {self.token}"


class PushRecord(models.Model):
    """Push history."""

    app = models.ForeignKey("billing.PushApp", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=200)
    audience = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="push_record_has_title")]

    def __str__(self) -> str:
        return self.title


RESOURCE_DATA_MODELS = (DeviceToken, AccountBinding, TagBinding, PushRecord)
