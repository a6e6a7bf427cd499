from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from .fields import ZERO, MoneyField


class Order(models.Model):
    """A prepaid order, paid in full when it is created (voucher, then gift, then cash).

    The payment split is recorded exactly because refunds return cash and gift in the same
    proportion and never return the voucher part (SPEC.md §1, §3 Refunds). A refund is an order
    of kind REFUND pointing at the order it refunds.
    """

    class Kind(models.TextChoices):
        NEW = "new", _("New purchase")
        RENEWAL = "renewal", _("Renewal")
        UPGRADE = "upgrade", _("Upgrade")
        TOPUP = "topup", _("Top-up pack")
        REFUND = "refund", _("Refund")

    class Status(models.TextChoices):
        PAID = "paid", _("Paid")
        REFUNDED = "refunded", _("Refunded")

    number = models.CharField(_("order number"), max_length=20, unique=True)
    account = models.ForeignKey(
        "billing.Account",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("account"),
    )
    product = models.ForeignKey(
        "billing.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    status = FSMField(_("status"), max_length=10, choices=Status, default=Status.PAID)

    sku = models.ForeignKey(
        "billing.PackSku", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("pack")
    )
    app = models.ForeignKey(
        "billing.PushApp",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("app"),
    )
    capacity_wan = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("capacity (万 DAU peak)")
    )
    months = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("months"))
    period_start = models.DateTimeField(null=True, blank=True, verbose_name=_("period start"))
    period_end = models.DateTimeField(null=True, blank=True, verbose_name=_("period end"))
    refund_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("refund of"),
    )

    total = MoneyField(_("total"))
    voucher = models.OneToOneField(
        "billing.Voucher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order",
        verbose_name=_("voucher"),
    )
    voucher_amount = MoneyField(_("paid by voucher"), default=ZERO)
    gift_amount = MoneyField(_("paid by gift credit"), default=ZERO)
    cash_amount = MoneyField(_("paid by cash"), default=ZERO)
    # The pricing engine's line-by-line breakdown, as shown to the customer at checkout.
    breakdown = models.JSONField(default=list, blank=True, verbose_name=_("breakdown"))

    idempotency_key = models.CharField(max_length=64, verbose_name=_("idempotency key"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    refunded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refunded at"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A double-click or replayed POST carries the same key and can never create two orders.
            models.UniqueConstraint(
                fields=["account", "idempotency_key"], name="order_idempotency_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0)
                & Q(voucher_amount__gte=0)
                & Q(gift_amount__gte=0)
                & Q(cash_amount__gte=0),
                name="order_amounts_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(total=F("voucher_amount") + F("gift_amount") + F("cash_amount")),
                name="order_split_sums_to_total",
            ),
            models.CheckConstraint(
                condition=Q(kind="refund", refund_of__isnull=False)
                | (~Q(kind="refund") & Q(refund_of__isnull=True)),
                name="order_refund_points_at_order",
            ),
            models.CheckConstraint(
                condition=Q(months__isnull=True) | Q(months__in=[*range(1, 13), 24]),
                name="order_months_allowed",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def paid_excluding_voucher(self):
        return self.gift_amount + self.cash_amount

    @transition(field=status, source=Status.PAID, target=Status.REFUNDED)
    def mark_refunded(self) -> None:
        self.refunded_at = timezone.now()


class PostpaidBillLine(models.Model):
    """One day's postpaid charge: per push app per day, or per CAPTCHA account per day.

    Settled lines are never edited; a late usage report creates an adjustment line that
    points at the line it corrects.
    """

    account = models.ForeignKey(
        "billing.Account",
        on_delete=models.PROTECT,
        related_name="bill_lines",
        verbose_name=_("account"),
    )
    product = models.ForeignKey(
        "billing.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    app = models.ForeignKey(
        "billing.PushApp",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bill_lines",
        verbose_name=_("app"),
    )
    day = models.DateField(_("usage day"))
    quantity = models.PositiveBigIntegerField(_("DAU or verifications"))
    charged_day_number = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("charged day number")
    )
    unit_price = models.DecimalField(max_digits=14, decimal_places=5, verbose_name=_("unit price"))
    discount_rate = models.DecimalField(
        max_digits=4, decimal_places=2, default=1, verbose_name=_("discount rate")
    )
    amount = MoneyField(verbose_name=_("amount"))
    # Part of the amount the balance could not cover when it was settled (arrears).
    debt_amount = MoneyField(default=ZERO, verbose_name=_("debt amount"))
    breakdown = models.JSONField(default=list, blank=True, verbose_name=_("breakdown"))
    adjusts = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustments",
        verbose_name=_("adjusts"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("postpaid bill line")
        verbose_name_plural = _("postpaid bill lines")
        ordering = ["-day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "day"],
                condition=Q(app__isnull=False, adjusts__isnull=True),
                name="bill_line_one_per_app_day",
            ),
            models.UniqueConstraint(
                fields=["account", "product", "day"],
                condition=Q(app__isnull=True, adjusts__isnull=True),
                name="bill_line_one_per_account_product_day",
            ),
            models.CheckConstraint(condition=Q(debt_amount__gte=0), name="bill_line_debt_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.app or self.account} ¥{self.amount}"
