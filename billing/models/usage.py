from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CaptchaUsageDaily(models.Model):
    """Server-side ticket verifications per account per Asia/Shanghai day."""

    account = models.ForeignKey(
        "billing.Account",
        on_delete=models.CASCADE,
        related_name="captcha_usage",
        verbose_name=_("account"),
    )
    day = models.DateField(verbose_name=_("day"))
    verifications = models.PositiveBigIntegerField(default=0, verbose_name=_("verifications"))
    # Verifications no live pack covered: billed at the postpaid rate if postpaid is on.
    overage = models.PositiveBigIntegerField(default=0, verbose_name=_("overage"))

    class Meta:
        verbose_name = _("CAPTCHA daily usage")
        verbose_name_plural = _("CAPTCHA daily usage")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="captcha_usage_one_per_day"),
            models.CheckConstraint(
                condition=Q(overage__lte=models.F("verifications")),
                name="captcha_overage_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.day}: {self.verifications}"


class PushDauDaily(models.Model):
    """A push app's daily active devices for one day; the highest report stands."""

    app = models.ForeignKey(
        "billing.PushApp", on_delete=models.CASCADE, related_name="dau", verbose_name=_("app")
    )
    day = models.DateField(verbose_name=_("day"))
    dau = models.PositiveIntegerField(verbose_name=_("DAU"))
    reported_at = models.DateTimeField(default=timezone.now, verbose_name=_("reported at"))

    class Meta:
        verbose_name = _("push daily DAU")
        verbose_name_plural = _("push daily DAU")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["app", "day"], name="push_dau_one_per_app_day")
        ]

    def __str__(self) -> str:
        return f"{self.app} {self.day}: {self.dau} DAU"
