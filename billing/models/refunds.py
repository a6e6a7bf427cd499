from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from .fields import MoneyField

OPEN_REFUND_STATES = ("submitted", "under_review")


class RefundTicket(models.Model):
    """A customer's refund request; support decides, the system executes.

    The ticket is the quote (SPEC §3, when refunds are priced): kind, amount, cash/gift split,
    the orders it returns money for and the calculation are fixed when the customer files it;
    approval pays exactly that (or less, with a reason). Status moves only by the transitions
    below.
    """

    class Kind(models.TextChoices):
        FIVE_DAY = "five_day", _("Five-day no-reason refund")
        NORMAL = "normal", _("Normal refund")
        CAPTCHA = "captcha", _("CAPTCHA unused-pack refund")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        REFUNDED = "refunded", _("Refunded")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    account = models.ForeignKey(
        "billing.Account",
        on_delete=models.PROTECT,
        related_name="refund_tickets",
        verbose_name=_("account"),
    )
    order = models.ForeignKey(
        "billing.Order",
        on_delete=models.PROTECT,
        related_name="refund_tickets",
        verbose_name=_("order"),
    )
    kind = models.CharField(max_length=10, choices=Kind, verbose_name=_("kind"))
    status = FSMField(
        max_length=14, choices=Status, default=Status.SUBMITTED, verbose_name=_("status")
    )
    customer_reason = models.TextField(_("reason"))
    quoted_amount = MoneyField(_("amount when requested"))
    quoted_cash = MoneyField(null=True, blank=True, verbose_name=_("quoted cash"))
    quoted_gift = MoneyField(null=True, blank=True, verbose_name=_("quoted gift credit"))
    calculation = models.JSONField(default=list, blank=True, verbose_name=_("calculation"))
    covered_orders = models.ManyToManyField(
        "billing.Order", blank=True, related_name="+", verbose_name=_("covered orders")
    )
    approved_amount = MoneyField(null=True, blank=True, verbose_name=_("approved amount"))
    staff_reason = models.TextField(blank=True, verbose_name=_("staff reason"))
    refund_cash = MoneyField(null=True, blank=True, verbose_name=_("refunded as cash"))
    refund_gift = MoneyField(null=True, blank=True, verbose_name=_("refunded as gift credit"))
    refund_order = models.OneToOneField(
        "billing.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("refund order"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("refund ticket")
        verbose_name_plural = _("refund tickets")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=OPEN_REFUND_STATES),
                name="refund_one_open_ticket_per_order",
            ),
            models.CheckConstraint(condition=Q(quoted_amount__gte=0), name="refund_quoted_nonneg"),
        ]

    def __str__(self) -> str:
        return f"Refund #{self.pk} for {self.order}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFUND_STATES

    @transition(field=status, source=Status.SUBMITTED, target=Status.UNDER_REVIEW)
    def start_review(self) -> None:
        pass

    @transition(field=status, source=list(OPEN_REFUND_STATES), target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        pass

    @transition(field=status, source=list(OPEN_REFUND_STATES), target=Status.REJECTED)
    def reject(self, *, by, reason: str, at) -> None:
        self.staff_reason, self.decided_by, self.decided_at = reason, by, at

    @transition(field=status, source=list(OPEN_REFUND_STATES), target=Status.REFUNDED)
    def refund(self, *, by, amount, cash, gift, order, reason: str, at) -> None:
        self.approved_amount, self.refund_cash, self.refund_gift = amount, cash, gift
        self.refund_order, self.staff_reason = order, reason
        self.decided_by, self.decided_at = by, at


class RefundTicketEvent(models.Model):
    """Who did what to a ticket, when: the timeline the customer and support both see."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        REVIEW_STARTED = "review_started", _("Review started")
        APPROVED = "approved", _("Approved; refund order created")
        REFUNDED = "refunded", _("Refunded")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by the customer")

    ticket = models.ForeignKey(
        RefundTicket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket")
    )
    action = models.CharField(max_length=16, choices=Action, verbose_name=_("action"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    amount = MoneyField(null=True, blank=True, verbose_name=_("amount"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("refund ticket event")
        verbose_name_plural = _("refund ticket events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket} {self.get_action_display()}"

    @property
    def account_id(self) -> int:
        # Each event is its own notice subject, so every status change of a ticket is told
        # once even when several happen on one day (SPEC.md §3: once per subject, kind, day).
        return self.ticket.account_id
