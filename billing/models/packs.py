from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from billing.days import billing_day


class CaptchaPackQuerySet(models.QuerySet):
    def live(self, *, at):
        """SPEC.md §2 Decision — live pack: unexpired, not refunded, counts left. Consumption,
        the 90% notice, the console and entitlement all read this (and is_live below)."""
        return self.filter(refunded_at__isnull=True, expires_at__gt=at, used__lt=F("size"))


class CaptchaPack(models.Model):
    """Verifications owned by an account; each pack keeps its own validity (SPEC.md §2)."""

    account = models.ForeignKey(
        "billing.Account", on_delete=models.CASCADE, related_name="packs", verbose_name=_("account")
    )
    sku = models.ForeignKey(
        "billing.PackSku", on_delete=models.PROTECT, related_name="+", verbose_name=_("pack")
    )
    kind = models.CharField(
        max_length=8,
        choices=[
            ("trial", _("Free trial pack")),
            ("count", _("Count pack")),
            ("topup", _("Top-up pack")),
        ],
        verbose_name=_("kind"),
    )
    size = models.PositiveBigIntegerField(verbose_name=_("size"))
    used = models.PositiveBigIntegerField(default=0, verbose_name=_("used"))
    bought_at = models.DateTimeField(default=timezone.now, verbose_name=_("bought at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    order = models.OneToOneField(
        "billing.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pack",
        verbose_name=_("order"),
    )
    refunded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refunded at"))

    objects = CaptchaPackQuerySet.as_manager()

    class Meta:
        verbose_name = _("CAPTCHA pack")
        verbose_name_plural = _("CAPTCHA packs")
        ordering = ["expires_at", "bought_at", "id"]
        indexes = [models.Index(fields=["account", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(used__lte=F("size")), name="pack_used_within_size"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("bought_at")), name="pack_expiry_after_purchase"
            ),
            # The free trial is claimable once per main account.
            models.UniqueConstraint(
                fields=["account"], condition=Q(kind="trial"), name="pack_one_trial_per_account"
            ),
            models.CheckConstraint(
                condition=Q(kind="trial") | Q(order__isnull=False), name="pack_paid_has_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.size:,}"

    @property
    def remaining(self) -> int:
        return self.size - self.used

    def is_live(self, *, at) -> bool:
        """The same rule as CaptchaPackQuerySet.live, for a pack already loaded."""
        return self.refunded_at is None and self.expires_at > at and self.used < self.size


class PushSubscription(FSMModelMixin, models.Model):
    """A prepaid push period for one app: capacity in 万 DAU peak, until expires_at (SPEC.md §3).

    Renewals extend expires_at (the new period starts at the old expiry); upgrades raise
    capacity_wan. months is the current period's duration (auto-renewal repeats it); upgrades
    price with the original order's duration band (original_order.months).
    """

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    app = models.ForeignKey(
        "billing.PushApp",
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("app"),
    )
    capacity_wan = models.PositiveIntegerField(_("capacity (万 DAU peak)"))
    months = models.PositiveSmallIntegerField(_("duration (months)"))
    period_start = models.DateTimeField(verbose_name=_("period start"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    auto_renew = models.BooleanField(_("auto-renew"), default=False)
    state = FSMField(_("state"), max_length=8, choices=State, default=State.ACTIVE, protected=True)
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    original_order = models.OneToOneField(
        "billing.Order",
        on_delete=models.PROTECT,
        related_name="subscription",
        verbose_name=_("original order"),
    )

    class Meta:
        verbose_name = _("push prepaid subscription")
        verbose_name_plural = _("push prepaid subscriptions")
        ordering = ["expires_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["app"], condition=Q(state="active"), name="subscription_one_active_per_app"
            ),
            models.CheckConstraint(
                condition=Q(capacity_wan__gte=1), name="subscription_capacity_min_1"
            ),
            models.CheckConstraint(
                condition=Q(months__in=[*range(1, 13), 24]), name="subscription_months_allowed"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("period_start")), name="subscription_period_order"
            ),
        ]

    def __str__(self) -> str:
        # The Shanghai date, as the console shows it (SPEC.md conventions), not the UTC one.
        return f"{self.app} {self.capacity_wan}万 until {billing_day(self.expires_at):%Y-%m-%d}"

    @transition(field=state, source=State.ACTIVE, target=State.ENDED)
    def end(self, *, at) -> None:
        self.ended_at = at
