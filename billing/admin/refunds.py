"""The refund-ticket queue for support staff (SPEC.md §2 and §3 Refunds).

Staff never edit amounts or ledger entries here: every decision calls billing.services.refunds,
which recomputes the amount at that moment and executes atomically.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.days import billing_day
from billing.errors import BillingError
from billing.models import RefundTicket, RefundTicketEvent
from billing.money import yuan
from billing.services import refunds


class AgeFilter(admin.SimpleListFilter):
    title = _("age")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("1", _("Over 1 day")), ("3", _("Over 3 days")), ("7", _("Over 7 days"))]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                created_at__lt=timezone.now() - dt.timedelta(days=int(self.value()))
            )
        return queryset


class EventInline(admin.TabularInline):
    model = RefundTicketEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "actor", "amount", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class DecisionForm(forms.Form):
    amount = forms.DecimalField(required=False, max_digits=14, decimal_places=2, min_value=0)
    reason = forms.CharField(required=False, max_length=1000)


@admin.register(RefundTicket)
class RefundTicketAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "account",
        "order",
        "product",
        "kind",
        "status",
        "quoted",
        "approved",
        "decided_by",
    ]
    list_filter = ["status", "order__product", "kind", AgeFilter]
    search_fields = ["order__number", "account__name", "account__owner__email"]
    list_select_related = ["account", "order__product", "decided_by"]
    ordering = ["created_at", "id"]  # oldest first: the queue is worked in order
    inlines = [EventInline]
    actions = ["approve_passing"]
    change_form_template = "admin/billing/refundticket/change_form.html"
    change_list_template = "admin/billing/refundticket/change_list.html"

    @admin.display(description=_("product"), ordering="order__product")
    def product(self, obj):
        return obj.order.product.name

    @admin.display(description=_("quoted"), ordering="quoted_amount")
    def quoted(self, obj):
        return yuan(obj.quoted_amount)

    @admin.display(description=_("refunded"), ordering="approved_amount")
    def approved(self, obj):
        return yuan(obj.approved_amount)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    MONEY_FIELDS = ("quoted_amount", "approved_amount", "refund_cash", "refund_gift")

    def get_fields(self, request, obj=None):
        return [
            f"{field.name}_yuan" if field.name in self.MONEY_FIELDS else field.name
            for field in self.model._meta.fields
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("amount when requested"))
    def quoted_amount_yuan(self, obj):
        return yuan(obj.quoted_amount)

    @admin.display(description=_("approved amount"))
    def approved_amount_yuan(self, obj):
        return yuan(obj.approved_amount)

    @admin.display(description=_("refunded as cash"))
    def refund_cash_yuan(self, obj):
        return yuan(obj.refund_cash)

    @admin.display(description=_("refunded as gift credit"))
    def refund_gift_yuan(self, obj):
        return yuan(obj.refund_gift)

    def changelist_view(self, request, extra_context=None):
        counts = dict(
            RefundTicket.objects.values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        extra_context = {
            **(extra_context or {}),
            "status_counts": [
                (label, counts.get(value, 0), value) for value, label in RefundTicket.Status.choices
            ],
        }
        return super().changelist_view(request, extra_context=extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = get_object_or_404(RefundTicket, pk=object_id)
        order = ticket.order
        # What approval pays is the quote fixed at filing (SPEC §3); the refusal is approve()'s.
        eligibility = refunds.ticket_quote(ticket)
        refusal = (
            refunds.approval_refusal(ticket=ticket, quote=eligibility) if ticket.is_open else None
        )
        usage = None
        if order.app_id:
            usage = order.app.dau.filter(day__gte=billing_day(order.created_at)).aggregate(
                days=Count("id"), total=Sum("dau")
            )
        elif getattr(order, "pack", None):
            usage = {"verifications_used": order.pack.used}
        extra_context = {
            **(extra_context or {}),
            "ticket": ticket,
            "order": order,
            "eligibility": eligibility,
            "refusal": refusal,
            "usage": usage,
            "eligibility_kind": RefundTicket.Kind(eligibility.kind).label
            if eligibility.kind
            else "",
            "can_decide": request.user.has_perm("billing.change_refundticket") and ticket.is_open,
            # Nothing on a ticket is edited directly: decisions go through the buttons below.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context=extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide),
                name="billing_refundticket_decide",
            ),
            *super().get_urls(),
        ]

    def decide(self, request, pk: int, decision: str):
        if request.method != "POST" or not request.user.has_perm("billing.change_refundticket"):
            return redirect(reverse("admin:billing_refundticket_change", args=[pk]))
        ticket = get_object_or_404(RefundTicket, pk=pk)
        reason = request.POST.get("reason", "")
        try:
            if decision == "review":
                refunds.start_review(ticket=ticket, by=request.user)
            elif decision == "reject":
                refunds.reject(ticket=ticket, by=request.user, reason=reason)
            elif decision == "approve":
                raw = request.POST.get("amount", "").strip()
                try:
                    amount = Decimal(raw) if raw else None
                except InvalidOperation as error:
                    raise BillingError(_("Enter the amount as a number, e.g. 120.50.")) from error
                refunds.approve(ticket=ticket, by=request.user, amount=amount, reason=reason)
            else:
                raise BillingError(_("Unknown decision."))
        except BillingError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _("Ticket #%(id)d updated.") % {"id": ticket.pk})
        return redirect(reverse("admin:billing_refundticket_change", args=[pk]))

    @admin.action(
        description=_("Approve the selected tickets that pass every check"), permissions=["change"]
    )
    def approve_passing(self, request, queryset):
        approved, skipped = 0, []
        for ticket in queryset.order_by("created_at"):
            try:
                refunds.approve(ticket=ticket, by=request.user)
                approved += 1
            except BillingError as error:
                skipped.append(f"#{ticket.pk}: {error}")
        self.message_user(request, _("%(n)d tickets approved and refunded.") % {"n": approved})
        for line in skipped:
            self.message_user(request, line, messages.WARNING)
