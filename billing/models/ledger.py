from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import MoneyField


class LedgerEntry(models.Model):
    """One immutable movement of money. Balances are the sums of these (SPEC.md §1).

    Never edited or deleted: a correction is a new ADJUSTMENT entry pointing at what it corrects.
    Written only by billing.services.ledger.post_entry, which also keeps the cached balances.
    """

    class Kind(models.TextChoices):
        RECHARGE = "recharge", _("Recharge")
        PAYMENT = "payment", _("Payment")
        POSTPAID_CHARGE = "postpaid_charge", _("Postpaid charge")
        REFUND = "refund", _("Refund")
        ADVANCE = "advance", _("Platform advance")
        ADJUSTMENT = "adjustment", _("Adjustment")

    account = models.ForeignKey(
        "billing.Account",
        on_delete=models.PROTECT,
        related_name="ledger",
        verbose_name=_("account"),
    )
    kind = models.CharField(max_length=16, choices=Kind, verbose_name=_("kind"))
    # Signed: credits positive, debits negative.
    cash_amount = MoneyField(_("cash"))
    gift_amount = MoneyField(_("gift credit"))
    cash_balance_after = MoneyField(verbose_name=_("cash balance after"))
    gift_balance_after = MoneyField(verbose_name=_("gift balance after"))
    order = models.ForeignKey(
        "billing.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger",
        verbose_name=_("order"),
    )
    bill_line = models.ForeignKey(
        "billing.PostpaidBillLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger",
        verbose_name=_("bill line"),
    )
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # A support credit's bank transfer reference: a second credit with it is warned about.
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Retried operations (a replayed recharge callback, a re-run settlement) post once.
    idempotency_key = models.CharField(
        max_length=120, null=True, blank=True, unique=True, verbose_name=_("idempotency key")
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(cash_amount=0) & Q(gift_amount=0)), name="ledger_entry_moves_money"
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | (~Q(reason="") & Q(created_by__isnull=False)),
                name="ledger_adjustment_has_reason_and_author",
            ),
            models.CheckConstraint(
                condition=Q(gift_balance_after__gte=0), name="ledger_gift_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.cash_amount + self.gift_amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError("Ledger entries are immutable; post an adjustment instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Ledger entries are immutable; post an adjustment instead.")

    @property
    def total_amount(self):
        return self.cash_amount + self.gift_amount


class Voucher(models.Model):
    """A single-use discount instrument applied at checkout before gift credit and cash."""

    account = models.ForeignKey(
        "billing.Account",
        on_delete=models.CASCADE,
        related_name="vouchers",
        verbose_name=_("account"),
    )
    code = models.CharField(max_length=32, unique=True, verbose_name=_("code"))
    amount = MoneyField(verbose_name=_("amount"))
    min_spend = MoneyField(default=0, verbose_name=_("minimum spend"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    product = models.ForeignKey(
        "billing.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Only orders for this product may use it; empty means any product."),
        verbose_name=_("product"),
    )
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["expires_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_amount_positive"),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="voucher_min_spend_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.code} (¥{self.amount})"

    def is_usable(self, *, at) -> bool:
        return self.used_at is None and self.expires_at > at


class DailyCounter(models.Model):
    """Per-day sequences for human-readable numbers (order 20261122000001)."""

    name = models.CharField(max_length=20, verbose_name=_("name"))
    day = models.DateField(verbose_name=_("day"))
    value = models.PositiveIntegerField(default=0, verbose_name=_("value"))

    class Meta:
        verbose_name = _("daily counter")
        verbose_name_plural = _("daily counters")
        constraints = [models.UniqueConstraint(fields=["name", "day"], name="daily_counter_unique")]

    def __str__(self) -> str:
        return f"{self.name} {self.day}: {self.value}"


class Recharge(models.Model):
    """A cash top-up through the payment provider; credited to the ledger once it succeeds."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")

    account = models.ForeignKey(
        "billing.Account",
        on_delete=models.PROTECT,
        related_name="recharges",
        verbose_name=_("account"),
    )
    amount = MoneyField(verbose_name=_("amount"))
    provider = models.CharField(max_length=40, verbose_name=_("provider"))
    provider_reference = models.CharField(
        max_length=64, unique=True, verbose_name=_("provider reference")
    )
    status = models.CharField(
        max_length=10, choices=Status, default=Status.PENDING, verbose_name=_("status")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))

    class Meta:
        verbose_name = _("recharge")
        verbose_name_plural = _("recharges")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recharge_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.provider_reference} ¥{self.amount}"
