from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from .fields import ZERO, MoneyField


class Account(models.Model):
    """A main account (主账号): the customer that owns balance, apps, packs and orders."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        COMPANY = "company", _("Company")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        PENDING = "pending", _("Pending review")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    class CaptchaPostpaid(models.TextChoices):
        OFF = "off", _("Off")
        ON = "on", _("On")
        # Enablement at purchase failed because the balance was not above zero (SPEC.md §2).
        FAILED = "failed", _("Enablement failed")
        REQUESTED = "requested", _("Requested")

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_account",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=12, choices=Kind, default=Kind.INDIVIDUAL)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )

    verification_state = FSMField(
        _("real-name verification"),
        max_length=12,
        choices=Verification,
        default=Verification.UNVERIFIED,
    )
    # Individual: legal name + ID number; company: company name + registration number.
    verified_name = models.CharField(_("legal name"), max_length=120, blank=True)
    verified_number = models.CharField(_("ID / registration number"), max_length=40, blank=True)
    verified_document = models.CharField(_("document"), max_length=12, blank=True)
    verification_submitted_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("verification submitted at")
    )
    verification_decided_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("verification decided at")
    )
    verification_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verification decided by"),
    )
    verification_rejection_reason = models.CharField(
        max_length=300, blank=True, verbose_name=_("verification rejection reason")
    )

    captcha_postpaid = models.CharField(
        _("CAPTCHA postpaid"),
        max_length=12,
        choices=CaptchaPostpaid,
        default=CaptchaPostpaid.OFF,
    )
    big_customer = models.BooleanField(
        _("big-customer privilege"),
        default=False,
        help_text=_(
            "Never stopped for arrears; failed auto-renewals are advanced by the platform."
        ),
    )

    # Cached sums of the ledger, updated only by billing.services.ledger under a row lock.
    cash_balance = MoneyField(_("cash"), default=ZERO)
    gift_balance = MoneyField(_("gift credit"), default=ZERO)

    balance_alert_threshold = MoneyField(_("balance alert threshold"), null=True, blank=True)
    balance_alert_sent = models.BooleanField(default=False, verbose_name=_("balance alert sent"))
    arrears_since = models.DateTimeField(_("in arrears since"), null=True, blank=True)
    # SPEC.md §2 Decision: the 90% usage notice is sent once per crossing; a purchase that brings
    # usage back under 90% re-arms it.
    captcha_usage_alert_sent = models.BooleanField(
        default=False, verbose_name=_("usage alert sent")
    )
    # The five-day no-reason refund is a once-per-main-account right (SPEC.md §3 Refunds).
    five_day_refund_used_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("five-day refund used at")
    )

    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["id"]
        permissions = [
            ("adjust_balance", "Can credit or debit an account's balance with a reason"),
            ("review_verification", "Can approve or reject real-name verification"),
            ("manage_service", "Can stop, resume and renew apps and switch their billing mode"),
            ("change_privileges", "Can change big-customer, charity and CAPTCHA postpaid"),
        ]
        constraints = [
            # Debt (negative balance) lives in cash only; gift credit can never go negative.
            models.CheckConstraint(condition=Q(gift_balance__gte=0), name="account_gift_nonneg"),
            models.CheckConstraint(
                condition=Q(balance_alert_threshold__isnull=True)
                | Q(balance_alert_threshold__gte=0),
                name="account_alert_threshold_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verification_state == self.Verification.VERIFIED

    @property
    def available_balance(self):
        return self.cash_balance + self.gift_balance

    @property
    def debt(self):
        return -self.cash_balance if self.cash_balance < 0 else ZERO

    @transition(
        field=verification_state,
        # SPEC §1: a pending or rejected submission can be corrected and sent again.
        source=[Verification.UNVERIFIED, Verification.PENDING, Verification.REJECTED],
        target=Verification.PENDING,
    )
    def submit_verification(self, *, kind: str, document: str, name: str, number: str) -> None:
        self.kind = kind
        self.verified_document = document
        self.verified_name = name
        self.verified_number = number
        self.verification_submitted_at = timezone.now()
        self.verification_rejection_reason = ""

    @transition(field=verification_state, source=Verification.PENDING, target=Verification.VERIFIED)
    def approve_verification(self, *, by) -> None:
        self.verification_decided_at = timezone.now()
        self.verification_decided_by = by

    @transition(field=verification_state, source=Verification.PENDING, target=Verification.REJECTED)
    def reject_verification(self, *, by, reason: str) -> None:
        self.verification_decided_at = timezone.now()
        self.verification_decided_by = by
        self.verification_rejection_reason = reason


class Membership(models.Model):
    """A sub-account: a user acting for a main account with one role (SPEC.md §1)."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        FINANCE = "finance", _("Finance")
        RESOURCE = "resource", _("Resource")
        READONLY = "readonly", _("Read-only")

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("account")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    role = models.CharField(max_length=10, choices=Role, verbose_name=_("role"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sub-account")
        verbose_name_plural = _("sub-accounts")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) @ {self.account}"


class Invitation(models.Model):
    """A request to act for an account in a role; it becomes a Membership only when the invitee,
    signed in with the invited address, accepts it (SPEC §1 sub-accounts)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for acceptance")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Withdrawn")

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("account")
    )
    email = models.EmailField(verbose_name=_("email"))
    role = models.CharField(max_length=10, choices=Membership.Role, verbose_name=_("role"))
    # Only the hash is stored: the link in the email is the proof that the invitee reads it.
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("token hash"))
    status = models.CharField(
        max_length=10, choices=Status, default=Status.PENDING, verbose_name=_("status")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "email"],
                condition=Q(status="pending"),
                name="invitation_one_pending_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}) → {self.account}"

    def is_open(self, now) -> bool:
        return self.status == self.Status.PENDING and now < self.expires_at
