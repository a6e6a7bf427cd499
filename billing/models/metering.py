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
        "billing.Account",
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=60)
    secret_id = models.CharField(max_length=40, unique=True, verbose_name=_("SecretId"))
    secret_key = models.CharField(max_length=64, verbose_name=_("SecretKey"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.secret_id})"


class VerificationEvent(models.Model):
    """One server-side ticket verification; the ticket ID makes a resent event count once.

    A ticket identifies a verification within one main account (SPEC §2 ticket scope): the
    same ticket from another account is another verification, and nothing reveals it.
    """

    ticket = models.CharField(max_length=128, verbose_name=_("ticket"))
    account = models.ForeignKey(
        "billing.Account", on_delete=models.CASCADE, related_name="+", verbose_name=_("account")
    )
    captcha_app = models.ForeignKey(
        "billing.CaptchaApp",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("CAPTCHA app"),
    )
    verified_at = models.DateTimeField(verbose_name=_("verified at"))
    day = models.DateField(verbose_name=_("day"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))

    class Meta:
        verbose_name = _("verification event")
        verbose_name_plural = _("verification events")
        indexes = [models.Index(fields=["account", "day"])]
        constraints = [
            models.UniqueConstraint(fields=["account", "ticket"], name="verification_ticket_unique")
        ]

    def __str__(self) -> str:
        return self.ticket


class DeviceToken(models.Model):
    app = models.ForeignKey(
        "billing.PushApp", on_delete=models.CASCADE, related_name="tokens", verbose_name=_("app")
    )
    token = models.CharField(max_length=200, verbose_name=_("token"))
    registered_at = models.DateTimeField(default=timezone.now, verbose_name=_("registered at"))

    class Meta:
        verbose_name = _("device token")
        verbose_name_plural = _("device tokens")
        constraints = [models.UniqueConstraint(fields=["app", "token"], name="device_token_unique")]

    def __str__(self) -> str:
        return self.token


class AccountBinding(models.Model):
    app = models.ForeignKey(
        "billing.PushApp", on_delete=models.CASCADE, related_name="+", verbose_name=_("app")
    )
    account_name = models.CharField(max_length=120, verbose_name=_("account name"))
    token = models.CharField(max_length=200, verbose_name=_("token"))

    class Meta:
        verbose_name = _("account binding")
        verbose_name_plural = _("account bindings")

    def __str__(self) -> str:
        return f"{self.account_name} → {self.token}"


class TagBinding(models.Model):
    app = models.ForeignKey(
        "billing.PushApp", on_delete=models.CASCADE, related_name="+", verbose_name=_("app")
    )
    tag = models.CharField(max_length=120, verbose_name=_("tag"))
    token = models.CharField(max_length=200, verbose_name=_("token"))

    class Meta:
        verbose_name = _("tag binding")
        verbose_name_plural = _("tag bindings")

    def __str__(self) -> str:
        return f"{self.tag} → {self.token}"


class PushRecord(models.Model):
    """Push history."""

    app = models.ForeignKey(
        "billing.PushApp", on_delete=models.CASCADE, related_name="+", verbose_name=_("app")
    )
    sent_at = models.DateTimeField(default=timezone.now, verbose_name=_("sent at"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    audience = models.CharField(max_length=40, blank=True, verbose_name=_("audience"))

    class Meta:
        verbose_name = _("push record")
        verbose_name_plural = _("push records")
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="push_record_has_title")]

    def __str__(self) -> str:
        return self.title


RESOURCE_DATA_MODELS = (DeviceToken, AccountBinding, TagBinding, PushRecord)
