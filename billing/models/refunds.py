from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField

from .fields import MoneyField

OPEN_REFUND_STATES = ("submitted", "under_review", "approved")


class RefundTicket(models.Model):
    """A customer's refund request; support decides, the system computes and executes."""

    class Kind(models.TextChoices):
        FIVE_DAY = "five_day", _("Five-day no-reason refund")
        NORMAL = "normal", _("Normal refund")
        CAPTCHA = "captcha", _("CAPTCHA unused-pack refund")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        APPROVED = "approved", _("Refund order created")
        REFUNDED = "refunded", _("Refunded")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    account = models.ForeignKey(
        "billing.Account", on_delete=models.PROTECT, related_name="refund_tickets"
    )
    order = models.ForeignKey(
        "billing.Order", on_delete=models.PROTECT, related_name="refund_tickets"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    status = FSMField(max_length=14, choices=Status, default=Status.SUBMITTED)
    customer_reason = models.TextField(_("reason"))
    quoted_amount = MoneyField(_("amount when requested"))
    approved_amount = MoneyField(null=True, blank=True)
    staff_reason = models.TextField(blank=True)
    refund_cash = MoneyField(null=True, blank=True)
    refund_gift = MoneyField(null=True, blank=True)
    refund_order = models.OneToOneField(
        "billing.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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


class RefundTicketEvent(models.Model):
    """Who did what to a ticket, when: the timeline the customer and support both see."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        REVIEW_STARTED = "review_started", _("Review started")
        APPROVED = "approved", _("Approved; refund order created")
        REFUNDED = "refunded", _("Refunded")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by the customer")

    ticket = models.ForeignKey(RefundTicket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=Action)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    amount = MoneyField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket} {self.get_action_display()}"

    @property
    def account_id(self) -> int:
        # Each event is its own notice subject, so every status change of a ticket is told
        # once even when several happen on one day (SPEC.md §3: once per subject, kind, day).
        return self.ticket.account_id
