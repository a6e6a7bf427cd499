from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .fields import MoneyField


class Product(models.Model):
    class Code(models.TextChoices):
        CAPTCHA = "captcha", _("CAPTCHA")
        PUSH = "push", _("Mobile Push")

    class SaleStatus(models.TextChoices):
        ON_SALE = "on_sale", _("On sale")
        # Only accounts that bought it before may buy again.
        CLOSED_TO_NEW = "closed_to_new", _("Closed to new customers")

    code = models.CharField(max_length=16, choices=Code, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=60, verbose_name=_("name"))
    sale_status = models.CharField(
        max_length=16, choices=SaleStatus, default=SaleStatus.ON_SALE, verbose_name=_("sale status")
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class PackSku(models.Model):
    """A CAPTCHA pack for sale (SPEC.md §2 table), loaded by a data migration."""

    class Kind(models.TextChoices):
        TRIAL = "trial", _("Free trial pack")
        COUNT = "count", _("Count pack")
        TOPUP = "topup", _("Top-up pack")

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="skus", verbose_name=_("product")
    )
    code = models.SlugField(max_length=40, unique=True, verbose_name=_("code"))
    kind = models.CharField(max_length=8, choices=Kind, verbose_name=_("kind"))
    verifications = models.PositiveBigIntegerField(verbose_name=_("verifications"))
    price = MoneyField(verbose_name=_("price"))
    validity_days = models.PositiveSmallIntegerField(verbose_name=_("validity (days)"))
    active = models.BooleanField(default=True, verbose_name=_("on sale"))

    class Meta:
        verbose_name = _("pack SKU")
        verbose_name_plural = _("pack SKUs")
        ordering = ["kind", "verifications"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="sku_price_nonneg"),
            models.CheckConstraint(condition=Q(verifications__gt=0), name="sku_size_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.verifications:,}"

    @property
    def price_per_10k(self) -> Decimal:
        """What 10,000 verifications cost in this pack, to the fen (for comparing packs)."""
        return (self.price * 10_000 / self.verifications).quantize(Decimal("0.01"), ROUND_HALF_UP)
