from django.db import models
from django.db.models import Q
from django.utils import timezone


class CaptchaUsageDaily(models.Model):
    """Server-side ticket verifications per account per Asia/Shanghai day."""

    account = models.ForeignKey(
        "billing.Account", on_delete=models.CASCADE, related_name="captcha_usage"
    )
    day = models.DateField()
    verifications = models.PositiveBigIntegerField(default=0)
    # Verifications no live pack covered: billed at the postpaid rate if postpaid is on.
    overage = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = "CAPTCHA daily usage"
        verbose_name_plural = "CAPTCHA daily usage"
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

    app = models.ForeignKey("billing.PushApp", on_delete=models.CASCADE, related_name="dau")
    day = models.DateField()
    dau = models.PositiveIntegerField()
    reported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]
        verbose_name = "push daily DAU"
        verbose_name_plural = "push daily DAU"
        constraints = [
            models.UniqueConstraint(fields=["app", "day"], name="push_dau_one_per_app_day")
        ]

    def __str__(self) -> str:
        return f"{self.app} {self.day}: {self.dau} DAU"
