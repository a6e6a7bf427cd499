"""Money history: ledger, vouchers, recharges, orders and postpaid bill lines (read-only, or
through a service with a reason)."""

import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from billing import policy
from billing.errors import BillingError
from billing.models import (
    LedgerEntry,
    Order,
    PostpaidBillLine,
    Recharge,
    StaffApproval,
    Voucher,
)
from billing.money import yuan
from billing.services import approvals, recharges

from .common import ReadOnlyAdmin, StaffReasonForm, money_column


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "kind",
        "cash",
        "gift",
        "cash_after",
        "gift_after",
        "reference",
        "memo",
        "created_by",
    ]
    list_filter = ["kind", "created_at"]
    search_fields = ["account__name", "account__owner__email", "order__number", "memo", "reason"]
    list_select_related = ["account", "order", "created_by"]
    date_hierarchy = "created_at"

    cash = money_column("cash_amount", _("cash"))
    gift = money_column("gift_amount", _("gift"))
    cash_after = money_column("cash_balance_after", _("cash after"))
    gift_after = money_column("gift_balance_after", _("gift after"))

    @admin.display(description=_("reference"))
    def reference(self, obj):
        return (
            obj.order.number
            if obj.order_id
            else (f"bill line {obj.bill_line_id}" if obj.bill_line_id else "")
        )


class VoucherForm(StaffReasonForm):
    # The same form submitted twice asks for one approval (a replay without it still works: the
    # voucher code is unique).
    key = forms.CharField(
        widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex, required=False
    )

    class Meta:
        model = Voucher
        fields = ["account", "code", "amount", "min_spend", "product", "expires_at"]

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None or amount <= 0:
            raise forms.ValidationError(_("A voucher's amount must be positive."))
        return amount


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = ["code", "account", "value", "minimum", "product", "expires_at", "used_at"]
    list_filter = ["product", "used_at", "expires_at"]
    search_fields = ["code", "account__name", "account__owner__email"]
    autocomplete_fields = ["account"]
    value = money_column("amount", _("amount"))
    minimum = money_column("min_spend", _("minimum spend"))

    def get_readonly_fields(self, request, obj=None):
        return (
            ["used_at"]
            if obj is None
            else ["account", "code", "amount", "min_spend", "product", "expires_at", "used_at"]
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = VoucherForm
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False  # a granted voucher is what the customer was given

    def save_model(self, request, obj, form, change):
        outcome = approvals.request_voucher(
            voucher=obj,
            by=request.user,
            reason=form.cleaned_data["reason"],
            idempotency_key=form.cleaned_data["key"] or uuid.uuid4().hex,
        )
        request.voucher_approval = outcome.approval

    def log_addition(self, request, obj, message):
        if obj.pk is not None:  # a voucher waiting for approval does not exist yet
            super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        approval = getattr(request, "voucher_approval", None)
        if approval is None:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request,
            _("Above %(limit)s: sent to a second staff member for approval.")
            % {"limit": yuan(policy.STAFF_SINGLE_APPROVAL_LIMIT)},
            messages.WARNING,
        )
        return redirect(reverse("admin:billing_staffapproval_change", args=[approval.pk]))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "account",
        "product",
        "kind",
        "status",
        "order_total",
        "by_voucher",
        "by_gift",
        "by_cash",
        "created_at",
    ]
    list_filter = ["product", "kind", "status", "created_at"]
    search_fields = ["number", "account__name", "account__owner__email", "app__access_id"]
    list_select_related = ["account", "product"]
    date_hierarchy = "created_at"
    order_total = money_column("total", _("total"))
    by_voucher = money_column("voucher_amount", _("voucher"))
    by_gift = money_column("gift_amount", _("gift"))
    by_cash = money_column("cash_amount", _("cash"))
    exclude = ["breakdown", "status"]
    readonly_fields = ["status_shown", "breakdown_lines"]

    @admin.display(description=_("status"))
    def status_shown(self, obj):
        if obj.kind == Order.Kind.REFUND:
            return _("Refund paid back to the balance (order %(number)s)") % {
                "number": obj.refund_of.number
            }
        return obj.get_status_display()

    @admin.display(description=_("breakdown"))
    def breakdown_lines(self, obj):
        lines = [
            f"{line.get('label', '')}"
            + (f" = {yuan(Decimal(line['subtotal']))}" if line.get("subtotal") else "")
            for line in obj.breakdown or []
        ]
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines)) or "-"


@admin.register(PostpaidBillLine)
class PostpaidBillLineAdmin(ReadOnlyAdmin):
    list_display = [
        "day",
        "account",
        "product",
        "app",
        "quantity",
        "charged_day_number",
        "rate",
        "bill_amount",
        "debt",
        "adjusts",
    ]
    list_filter = ["product", "day"]
    search_fields = ["account__name", "app__access_id", "app__name"]
    list_select_related = ["account", "product", "app"]
    date_hierarchy = "day"
    bill_amount = money_column("amount", _("amount"))
    debt = money_column("debt_amount", _("unpaid"))

    @admin.display(description=_("discount"))
    def rate(self, obj):
        return "—" if obj.discount_rate == 1 else f"{obj.discount_rate:.0%}"


@admin.register(Recharge)
class RechargeAdmin(ReadOnlyAdmin):
    list_display = [
        "provider_reference",
        "account",
        "recharge_amount",
        "provider",
        "status",
        "created_at",
        "completed_at",
    ]
    list_filter = ["status", "provider"]
    search_fields = ["provider_reference", "account__name", "account__owner__email"]
    recharge_amount = money_column("amount", _("amount"))
    actions = ["confirm_transfers"]

    @admin.action(
        description=_("Confirm selected bank transfers received"), permissions=["adjust_balance"]
    )
    def confirm_transfers(self, request, queryset):
        """Credits each pending transfer once; anything else selected is left as it is."""
        confirmed, skipped = 0, 0
        for row in queryset.order_by("pk"):
            if row.provider != "transfer" or row.status != Recharge.Status.PENDING:
                skipped += 1
                continue
            recharges.complete_recharge(
                provider_reference=row.provider_reference, confirmed_by=request.user
            )
            confirmed += 1
        self.message_user(
            request,
            _("%(confirmed)d transfers credited, %(skipped)d skipped (not pending transfers).")
            % {"confirmed": confirmed, "skipped": skipped},
        )

    def has_adjust_balance_permission(self, request):
        return request.user.has_perm("billing.adjust_balance")


@admin.register(StaffApproval)
class StaffApprovalAdmin(ReadOnlyAdmin):
    """Adjustments and vouchers above one person's limit: another staff member decides."""

    list_display = [
        "id",
        "requested_at",
        "kind",
        "account",
        "amount_shown",
        "requested_by",
        "status",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["account__name", "account__owner__email", "bank_reference", "voucher_code"]
    list_select_related = ["account", "requested_by"]
    change_form_template = "admin/billing/staffapproval/change_form.html"
    readonly_fields = [
        "kind",
        "status",
        "account",
        "cash_shown",
        "gift_shown",
        "bank_reference",
        "voucher_code",
        "voucher_expires_at",
        "reason",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_reason",
        "ledger_entry",
        "voucher",
    ]
    fields = readonly_fields

    @admin.display(description=_("amount"))
    def amount_shown(self, obj):
        return yuan(obj.amount)

    @admin.display(description=_("cash"))
    def cash_shown(self, obj):
        return yuan(obj.cash)

    @admin.display(description=_("gift credit"))
    def gift_shown(self, obj):
        return yuan(obj.gift)

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide),
                name="billing_staffapproval_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        approval = self.get_object(request, object_id)
        extra = {
            "can_decide": approval is not None
            and approval.status == StaffApproval.Status.PENDING
            and request.user.has_perm("billing.change_staffapproval"),
            "is_own": approval is not None and approval.requested_by_id == request.user.pk,
            "reference_use": approvals.reference_use(approval.bank_reference) if approval else "",
            "show_save": False,
            "show_save_and_continue": False,
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def decide(self, request, pk: int, decision: str):
        if request.method != "POST" or not request.user.has_perm("billing.change_staffapproval"):
            raise PermissionDenied
        approval = get_object_or_404(StaffApproval, pk=pk)
        try:
            if decision == "approve":
                approvals.approve(approval=approval, by=request.user)
                self.message_user(request, _("Approved: the change was made."))
            elif decision == "reject":
                approvals.reject(
                    approval=approval, by=request.user, reason=request.POST.get("reason", "")
                )
                self.message_user(request, _("Rejected: nothing was changed."))
            else:
                raise BillingError(_("Unknown decision."))
        except BillingError as error:
            self.message_user(request, str(error), messages.ERROR)
        return redirect(reverse("admin:billing_staffapproval_change", args=[pk]))
