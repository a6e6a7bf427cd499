from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from billing.pricing import Region


class CaptchaApp(models.Model):
    """A CAPTCHA integration; packs and postpaid are account-wide, not per app (SPEC.md §2)."""

    account = models.ForeignKey(
        "billing.Account",
        on_delete=models.CASCADE,
        related_name="captcha_apps",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=60)
    captcha_app_id = models.PositiveBigIntegerField(_("CaptchaAppId"), unique=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("CAPTCHA app")
        verbose_name_plural = _("CAPTCHA apps")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.captcha_app_id})"


class AccessPoint(models.TextChoices):
    """The pricing engine's regions (billing.pricing.Region, the one list of access points)
    with the names people read."""

    GUANGZHOU = Region.GUANGZHOU.value, _("Guangzhou")
    SHANGHAI = Region.SHANGHAI.value, _("Shanghai")
    HONGKONG = Region.HONGKONG.value, _("Hong Kong")
    SINGAPORE = Region.SINGAPORE.value, _("Singapore")


OVERSEAS_ACCESS_POINTS = frozenset({AccessPoint.HONGKONG, AccessPoint.SINGAPORE})


class PushApp(FSMModelMixin, models.Model):
    """A mobile push app, billed per app by DAU (SPEC.md §3).

    The state is protected: only the transitions below change it, and only
    billing/services/app_lifecycle.py calls them (with the stop record and the audit event).
    """

    class Platform(models.TextChoices):
        ANDROID = "android", "Android"
        IOS = "ios", "iOS"
        MACOS = "macos", "macOS"

    class BillingMode(models.TextChoices):
        TRIAL = "trial", _("Trial")
        PREPAID = "prepaid", _("Prepaid")
        POSTPAID = "postpaid", _("Postpaid")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        STOPPED = "stopped", _("Stopped")
        # Trial reclaim and prepaid destruction both delete the resource data for good.
        DESTROYED = "destroyed", _("Destroyed")

    class StopReason(models.TextChoices):
        NONE = "", "-"
        TRIAL_OVER_LIMIT = "trial_over_limit", _("Trial DAU limit exceeded")
        EXPIRED = "expired", _("Prepaid expired")
        ARREARS = "arrears", _("Arrears")
        REFUNDED = "refunded", _("Refunded")
        STAFF = "staff", _("Stopped by support")

    account = models.ForeignKey(
        "billing.Account",
        on_delete=models.CASCADE,
        related_name="push_apps",
        verbose_name=_("account"),
    )
    platform = models.CharField(_("platform"), max_length=8, choices=Platform)
    name = models.CharField(_("name"), max_length=60)
    access_id = models.CharField(_("Access ID"), max_length=10, unique=True)
    # Chosen at creation and never changed: it decides the price table.
    access_point = models.CharField(_("service access point"), max_length=10, choices=AccessPoint)
    charity = models.BooleanField(_("charity app"), default=False, help_text=_("Free forever."))
    billing_mode = models.CharField(
        _("billing mode"), max_length=8, choices=BillingMode, default=BillingMode.TRIAL
    )
    state = FSMField(_("state"), max_length=10, choices=State, default=State.ACTIVE, protected=True)
    stop_reason = models.CharField(
        max_length=20, choices=StopReason, blank=True, default="", verbose_name=_("stop reason")
    )
    # Over the prepaid capacity: pushes are slowed (never billed extra).
    throttled = models.BooleanField(default=False, verbose_name=_("throttled"))
    stopped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("stopped at"))
    destroyed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("destroyed at"))
    # A destroyed app the customer removed from their list; its orders and bills stay.
    hidden_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("removed from the list at")
    )
    # First enablement of postpaid; loyalty day numbers count from here and never reset.
    postpaid_first_enabled_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("postpaid first enabled at")
    )
    # The current (or last) postpaid period: days from postpaid_since on are billed postpaid while
    # the mode is postpaid; after support switched the app to prepaid, through postpaid_until.
    postpaid_since = models.DateTimeField(null=True, blank=True, verbose_name=_("postpaid since"))
    postpaid_until = models.DateField(null=True, blank=True, verbose_name=_("last postpaid day"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("push app")
        verbose_name_plural = _("push apps")
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "platform"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(access_id__regex=r"^[0-9]{10}$"), name="push_app_access_id_10_digits"
            ),
            models.CheckConstraint(
                condition=~Q(state="destroyed") | Q(destroyed_at__isnull=False),
                name="push_app_destroyed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | Q(state="destroyed"),
                name="push_app_only_destroyed_apps_hidden",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.access_id})"

    @property
    def is_overseas(self) -> bool:
        return self.access_point in OVERSEAS_ACCESS_POINTS

    @transition(field=state, source=State.ACTIVE, target=State.STOPPED)
    def stop(self, *, reason: str, at) -> None:
        self.stop_reason, self.stopped_at = reason, at

    @transition(field=state, source=State.STOPPED, target=State.ACTIVE)
    def resume(self) -> None:
        self.stop_reason, self.stopped_at = self.StopReason.NONE, None

    @transition(field=state, source=[State.ACTIVE, State.STOPPED], target=State.DESTROYED)
    def destroy(self, *, at) -> None:
        self.destroyed_at, self.throttled = at, False


class PushAppStop(models.Model):
    """One stop of a postpaid push app for arrears, from the stop to the resume (or for good).

    Settlement reads these to leave a day the app spent wholly stopped uncharged; the app's own
    stopped_at only knows the current stop, and a resume before 06:00 would erase it.
    """

    app = models.ForeignKey(
        PushApp, on_delete=models.CASCADE, related_name="stops", verbose_name=_("app")
    )
    reason = models.CharField(
        max_length=20, choices=PushApp.StopReason.choices, verbose_name=_("reason")
    )
    started_at = models.DateTimeField(verbose_name=_("started at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))

    class Meta:
        verbose_name = _("push app stop")
        verbose_name_plural = _("push app stops")
        ordering = ["app", "started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="push_app_stop_ends_after_start",
            ),
            # At most one open stop per app.
            models.UniqueConstraint(
                fields=["app"], condition=Q(ended_at__isnull=True), name="push_app_one_open_stop"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.app} stopped {self.started_at:%Y-%m-%d %H:%M}"
