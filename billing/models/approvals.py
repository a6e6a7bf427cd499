from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from .fields import ZERO, MoneyField


class StaffApproval(FSMModelMixin, models.Model):
    """A balance adjustment or voucher above one staff member's limit, waiting for a second one
    (issue 12; billing/services/approvals.py). Nothing moves until another person approves."""

    class Kind(models.TextChoices):
        ADJUSTMENT = "adjustment", _("Balance adjustment")
        VOUCHER = "voucher", _("Voucher")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second approval")
        APPROVED = "approved", _("Approved and executed")
        REJECTED = "rejected", _("Rejected")

    account = models.ForeignKey(
        "billing.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    status = FSMField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, protected=True
    )
    cash = MoneyField(_("cash"), default=ZERO)
    gift = MoneyField(_("gift credit"), default=ZERO)
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)
    # A voucher to grant: its fields, kept until approval creates it.
    voucher_code = models.CharField(_("voucher code"), max_length=32, blank=True)
    voucher_min_spend = MoneyField(_("minimum spend"), default=ZERO)
    voucher_product = models.ForeignKey(
        "billing.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("voucher product"),
    )
    voucher_expires_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("voucher expires at")
    )
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_reason = models.TextField(_("decision reason"), blank=True)
    ledger_entry = models.OneToOneField(
        "billing.LedgerEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ledger entry"),
    )
    voucher = models.OneToOneField(
        "billing.Voucher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("voucher"),
    )
    idempotency_key = models.CharField(
        max_length=64, unique=True, verbose_name=_("idempotency key")
    )

    class Meta:
        ordering = ["status", "-requested_at"]
        verbose_name = _("staff approval")
        verbose_name_plural = _("staff approvals")
        constraints = [
            # Four eyes: whoever asked cannot approve it (they may withdraw it by rejecting).
            models.CheckConstraint(
                condition=~Q(status="approved") | ~Q(decided_by=models.F("requested_by")),
                name="staff_approval_by_someone_else",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} for {self.account}"

    @property
    def amount(self):
        return abs(self.cash) + abs(self.gift) if self.kind == self.Kind.ADJUSTMENT else self.gift

    @transition(field=status, source=Status.PENDING, target=Status.APPROVED)
    def approve(self, *, by, at) -> None:
        self.decided_by, self.decided_at = by, at

    @transition(field=status, source=Status.PENDING, target=Status.REJECTED)
    def reject(self, *, by, at, reason: str) -> None:
        self.decided_by, self.decided_at, self.decision_reason = by, at, reason
