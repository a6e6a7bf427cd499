"""Support staff's back office. Money is read-only here except through services with a reason."""

import uuid
from decimal import Decimal
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from billing import admin_search, admin_staff, admin_timeline, audit_export, stages
from billing.errors import BillingError
from billing.models import (
    Account,
    AuditEvent,
    BillingRun,
    CaptchaApp,
    CaptchaPack,
    CaptchaUsageDaily,
    Invitation,
    LedgerEntry,
    Membership,
    Order,
    PackSku,
    PostpaidBillLine,
    Product,
    PushApp,
    PushAppStop,
    PushDauDaily,
    PushSubscription,
    Recharge,
    Voucher,
)
from billing.money import yuan
from billing.selectors import app_countdown
from billing.services import accounts as account_services
from billing.services import audit, ledger, recharges, runs, staff


def money_column(field: str, label: str):
    @admin.display(description=label, ordering=field)
    def column(self, obj):
        return yuan(getattr(obj, field))

    return column


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is never edited in the admin: corrections are new entries."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "role"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user.is_staff:  # SPEC §1: staff are never members of a customer account
            raise forms.ValidationError(_("Support staff cannot be members of a customer account."))
        return user


class MembershipInline(admin.TabularInline):
    """Support may correct roles and remove members; new members join by invitation only."""

    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["user"]

    def has_add_permission(self, request, obj=None):
        return False


class BalanceAdjustmentForm(forms.Form):
    cash = forms.DecimalField(
        label=_("Cash (¥, negative to debit)"), max_digits=14, decimal_places=2, initial=0
    )
    gift = forms.DecimalField(
        label=_("Gift credit (¥, negative to debit)"), max_digits=14, decimal_places=2, initial=0
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required, e.g. 'bank transfer received 2026-11-20, ref 8812'."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("cash") == 0 and cleaned.get("gift") == 0:
            raise forms.ValidationError(_("Enter a cash or gift amount to adjust."))
        return cleaned


class RejectVerificationForm(forms.Form):
    reason = forms.CharField(label=_("Reason shown to the customer"), max_length=300)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "owner_email",
        "kind",
        "verification_state",
        "cash",
        "gift",
        "captcha_postpaid",
        "big_customer",
        "in_arrears",
        "created_at",
    ]
    list_filter = ["verification_state", "kind", "captcha_postpaid", "big_customer"]
    search_fields = ["name", "owner__email", "owner__username", "verified_name", "verified_number"]
    readonly_fields = [
        "owner",
        "cash",
        "gift",
        "verification_state",
        "verified_name",
        "verified_number",
        "verification_submitted_at",
        "verification_decided_at",
        "verification_decided_by",
        "verification_rejection_reason",
        "arrears_since",
        "balance_alert_sent",
        "created_at",
        # Changed only through the audited Privileges page.
        "captcha_postpaid",
        "big_customer",
    ]
    fieldsets = [
        (None, {"fields": ["name", "owner", "kind", "language", "created_at"]}),
        (
            _("Balance"),
            {
                "fields": [
                    "cash",
                    "gift",
                    "balance_alert_threshold",
                    "balance_alert_sent",
                    "arrears_since",
                ]
            },
        ),
        (
            _("Real-name verification"),
            {
                "fields": [
                    "verification_state",
                    "verified_name",
                    "verified_number",
                    "verification_submitted_at",
                    "verification_decided_at",
                    "verification_decided_by",
                    "verification_rejection_reason",
                ]
            },
        ),
        (_("Privileges"), {"fields": ["captcha_postpaid", "big_customer"]}),
    ]
    inlines = [MembershipInline]
    actions = ["approve_verifications"]
    change_form_template = "admin/billing/account/change_form.html"

    cash = money_column("cash_balance", _("cash"))
    gift = money_column("gift_balance", _("gift"))

    @admin.display(description=_("owner"), ordering="owner__email")
    def owner_email(self, obj):
        return obj.owner.email

    @admin.display(description=_("arrears"), boolean=True)
    def in_arrears(self, obj):
        return obj.arrears_since is not None

    def has_add_permission(self, request):
        return False  # accounts are opened by sign-up

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/adjust-balance/",
                self.admin_site.admin_view(self.adjust_balance_view),
                name="billing_account_adjust_balance",
            ),
            path(
                "search/",
                self.admin_site.admin_view(partial(admin_search.search_view, self.admin_site)),
                name="billing_account_search",
            ),
            path(
                "<int:pk>/privileges/",
                self.admin_site.admin_view(partial(admin_staff.privileges_view, self)),
                name="billing_account_privileges",
            ),
            path(
                "<int:pk>/timeline/",
                self.admin_site.admin_view(partial(admin_timeline.timeline_view, self)),
                name="billing_account_timeline",
            ),
            path(
                "<int:pk>/verification/approve/",
                self.admin_site.admin_view(self.approve_verification_view),
                name="billing_account_approve_verification",
            ),
            path(
                "<int:pk>/verification/reject/",
                self.admin_site.admin_view(self.reject_verification_view),
                name="billing_account_reject_verification",
            ),
            *super().get_urls(),
        ]

    def _account_form_page(self, request, account, form, title, template: str):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": account,
            "form": form,
            "title": title,
        }
        return render(request, f"admin/billing/account/{template}.html", context)

    def _require(self, request, codename: str) -> None:
        if not request.user.has_perm(f"billing.{codename}"):
            raise PermissionDenied

    def adjust_balance_view(self, request, pk: int):
        self._require(request, "adjust_balance")
        account = get_object_or_404(Account, pk=pk)
        form = BalanceAdjustmentForm(
            request.POST or None, initial={"idempotency_key": uuid.uuid4().hex}
        )
        if request.method == "POST" and form.is_valid():
            try:
                ledger.adjust_balance(
                    account=account,
                    cash=form.cleaned_data["cash"],
                    gift=form.cleaned_data["gift"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    idempotency_key=f"admin-adjust:{form.cleaned_data['idempotency_key']}",
                )
            except BillingError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, _("Balance adjusted; a ledger entry was written."))
                return redirect(reverse("admin:billing_account_change", args=[pk]))
        return self._account_form_page(
            request, account, form, _("Adjust balance"), "adjust_balance"
        )

    def approve_verification_view(self, request, pk: int):
        self._require(request, "review_verification")
        if request.method != "POST":
            return redirect(reverse("admin:billing_account_change", args=[pk]))
        account = get_object_or_404(Account, pk=pk)
        try:
            account_services.approve_verification(account=account, by=request.user)
        except BillingError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _("Verification approved."))
        return redirect(reverse("admin:billing_account_change", args=[pk]))

    def reject_verification_view(self, request, pk: int):
        self._require(request, "review_verification")
        account = get_object_or_404(Account, pk=pk)
        form = RejectVerificationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                account_services.reject_verification(
                    account=account, by=request.user, reason=form.cleaned_data["reason"]
                )
            except BillingError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, _("Verification rejected."))
                return redirect(reverse("admin:billing_account_change", args=[pk]))
        return self._account_form_page(
            request, account, form, _("Reject verification"), "reject_verification"
        )

    @admin.action(
        description=_("Approve selected pending verifications"), permissions=["review_verification"]
    )
    def approve_verifications(self, request, queryset):
        approved, skipped = 0, 0
        for account in queryset:
            try:
                account_services.approve_verification(account=account, by=request.user)
                approved += 1
            except BillingError:
                skipped += 1
        self.message_user(
            request,
            _("%(approved)d approved, %(skipped)d not pending (skipped).")
            % {"approved": approved, "skipped": skipped},
        )

    def has_review_verification_permission(self, request):
        return request.user.has_perm("billing.review_verification")


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


class StaffReasonForm(forms.ModelForm):
    """A model form that also asks why (kept in the audit trail, SPEC §1)."""

    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Kept in the audit trail with your name; the customer does not see it."),
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    def clean_reason(self):
        try:
            return audit.require_reason(self.cleaned_data["reason"])
        except BillingError as error:
            raise forms.ValidationError(str(error)) from error


class VoucherForm(StaffReasonForm):
    class Meta:
        model = Voucher
        fields = ["account", "code", "amount", "min_spend", "product", "expires_at"]

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None or amount <= 0:
            raise forms.ValidationError(_("A voucher's amount must be positive."))
        return amount


class ProductForm(StaffReasonForm):
    class Meta:
        model = Product
        fields = ["sale_status"]


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
        staff.grant_voucher(voucher=obj, by=request.user, reason=form.cleaned_data["reason"])

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Sale status (SPEC §1 closed products) is a superuser's decision: the Support group can
    see it but has no change permission; every change carries a reason and is audited."""

    list_display = ["name", "code", "sale_status"]
    list_filter = ["sale_status"]
    form = ProductForm
    readonly_fields = ["name", "code"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        staff.set_sale_status(
            product=Product.objects.get(pk=obj.pk),
            status=form.cleaned_data["sale_status"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PackSku)
class PackSkuAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "size", "list_price", "validity_days", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code"]
    readonly_fields = ["product", "code", "kind", "verifications", "price", "validity_days"]
    list_price = money_column("price", _("price"))

    @admin.display(description=_("verifications"), ordering="verifications")
    def size(self, obj):
        return f"{obj.verifications:,}"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaptchaApp)
class CaptchaAppAdmin(admin.ModelAdmin):
    list_display = ["name", "captcha_app_id", "account", "created_at"]
    search_fields = ["name", "captcha_app_id", "account__name", "account__owner__email"]
    readonly_fields = ["account", "captcha_app_id", "created_at"]


@admin.register(PushAppStop)
class PushAppStopAdmin(ReadOnlyAdmin):
    list_display = ["app", "reason", "started_at", "ended_at"]
    list_filter = ["reason"]
    search_fields = ["app__name", "app__access_id", "app__account__name"]
    list_select_related = ["app"]
    date_hierarchy = "started_at"


@admin.register(PushApp)
class PushAppAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "access_id",
        "account",
        "platform",
        "access_point",
        "billing_mode",
        "state",
        "stop_reason",
        "throttled",
        "charity",
    ]
    list_filter = [
        "platform",
        "access_point",
        "billing_mode",
        "state",
        "stop_reason",
        "charity",
        "throttled",
    ]
    search_fields = ["name", "access_id", "account__name", "account__owner__email"]
    list_select_related = ["account"]
    readonly_fields = [
        "account",
        "platform",
        "access_id",
        "access_point",
        "billing_mode",
        "state",
        "stop_reason",
        "throttled",
        "stopped_at",
        "destroyed_at",
        "postpaid_first_enabled_at",
        "created_at",
    ]
    fields = ["name", "next_step", "charity", *readonly_fields]
    change_form_template = "admin/billing/pushapp/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return ["next_step", "charity", *self.readonly_fields]  # the Charity page audits it

    @admin.display(description=_("what happens next"))
    def next_step(self, obj):
        subscription = PushSubscription.objects.filter(
            app=obj, state=PushSubscription.State.ACTIVE
        ).first()
        text = stages.describe(app_countdown(obj, subscription=subscription, now=timezone.now()))
        if obj.state == PushApp.State.DESTROYED:
            return _("Data destroyed %(at)s.") % {
                "at": timezone.localtime(obj.destroyed_at).strftime("%Y-%m-%d %H:%M")
            }
        return text or "-"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        views = {
            "stop": admin_staff.stop_view,
            "resume": admin_staff.resume_view,
            "charity": admin_staff.charity_view,
            "renew": admin_staff.renew_view,
            "switch-to-prepaid": admin_staff.switch_view,
        }
        return [
            *(
                path(
                    f"<int:pk>/{name}/",
                    self.admin_site.admin_view(partial(view, self)),
                    name=f"billing_pushapp_{name.replace('-', '_')}",
                )
                for name, view in views.items()
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        app = self.get_object(request, object_id)
        extra = {
            "active_subscription": app
            and PushSubscription.objects.filter(
                app=app, state=PushSubscription.State.ACTIVE
            ).first(),
            "can_manage_service": request.user.has_perm(staff.MANAGE_SERVICE),
            "can_change_privileges": request.user.has_perm(staff.CHANGE_PRIVILEGES),
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


@admin.register(CaptchaPack)
class CaptchaPackAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "account",
        "kind",
        "size_display",
        "used",
        "remaining",
        "bought_at",
        "expires_at",
        "order",
        "refunded_at",
    ]
    list_filter = ["kind", "expires_at"]
    search_fields = ["account__name", "account__owner__email", "order__number"]
    list_select_related = ["account", "order"]

    @admin.display(description=_("size"), ordering="size")
    def size_display(self, obj):
        return f"{obj.size:,}"


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "app",
        "capacity_wan",
        "months",
        "period_start",
        "expires_at",
        "auto_renew",
        "service",
    ]
    list_filter = ["state", "auto_renew", "months"]

    @admin.display(description=_("service"), ordering="state")
    def service(self, obj):
        """The subscription and its app together: an active period of a stopped app is stopped."""
        if obj.state != PushSubscription.State.ACTIVE:
            return obj.get_state_display()
        if obj.app.state != PushApp.State.ACTIVE:
            return f"{obj.app.get_state_display()} ({obj.app.get_stop_reason_display()})"
        return obj.get_state_display()

    search_fields = ["app__name", "app__access_id", "app__account__name"]
    list_select_related = ["app"]
    readonly_fields = [
        "app",
        "capacity_wan",
        "months",
        "period_start",
        "expires_at",
        "service",
        "ended_at",
        "original_order",
    ]
    fields = [*readonly_fields, "auto_renew"]

    def has_add_permission(self, request):
        return False

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


@admin.register(CaptchaUsageDaily)
class CaptchaUsageDailyAdmin(ReadOnlyAdmin):
    list_display = ["day", "account", "verifications", "overage"]
    list_filter = ["day"]
    search_fields = ["account__name", "account__owner__email"]


@admin.register(PushDauDaily)
class PushDauDailyAdmin(ReadOnlyAdmin):
    list_display = ["day", "app", "dau", "reported_at"]
    list_filter = ["day"]
    search_fields = ["app__access_id", "app__name"]


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


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Sub-account invitations: only the invitee can accept one (SPEC §1)."""

    list_display = ["email", "account", "role", "status", "created_at", "expires_at", "decided_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "account__name"]


class RunForInstantForm(forms.Form):
    at = forms.SplitDateTimeField(
        label=_("As of (Asia/Shanghai)"),
        help_text=_(
            "Does what was due at that instant, with the same code as the daily run. An instant "
            "at or before the last completed run only settles days still unbilled."
        ),
    )


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdmin):
    """Every billing run: as of when, what it did, how it ended (SPEC §4)."""

    list_display = ["at", "scope", "status", "trigger", "started_by", "started_at", "finished_at"]
    list_filter = ["status", "scope", "trigger"]
    readonly_fields = [
        "at",
        "scope",
        "status",
        "trigger",
        "started_by",
        "started_at",
        "finished_at",
        "report",
        "error",
    ]
    change_list_template = "admin/billing/billingrun/change_list.html"

    def get_urls(self):
        return [
            path(
                "run/",
                self.admin_site.admin_view(self.run_view),
                name="billing_billingrun_run",
            ),
            *super().get_urls(),
        ]

    def run_view(self, request):
        if not request.user.has_perm("billing.start_run"):
            raise PermissionDenied
        form = RunForInstantForm(request.POST or None, initial={"at": timezone.localtime()})
        if request.method == "POST" and form.is_valid():
            try:
                run = runs.start_run_for_staff(at=form.cleaned_data["at"], by=request.user)
            except BillingError as error:
                form.add_error(None, str(error))
            except Exception as error:  # the run is recorded as failed, with its traceback
                self.message_user(
                    request, _("The run failed: %(error)s") % {"error": error}, messages.ERROR
                )
                return redirect(reverse("admin:billing_billingrun_changelist"))
            else:
                self.message_user(request, _("Run finished: %(run)s.") % {"run": run})
                return redirect(reverse("admin:billing_billingrun_change", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Run billing for an instant"),
        }
        return render(request, "admin/billing/billingrun/run.html", context)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Every change of state or privilege (SPEC §1): searchable, filterable, exportable."""

    list_display = [
        "occurred_at",
        "action",
        "subject_label",
        "change",
        "reason",
        "actor_label",
        "account",
    ]
    list_filter = ["action", "subject_type", ("actor", admin.EmptyFieldListFilter)]
    search_fields = [
        "subject_label",
        "reason",
        "actor_label",
        "account__name",
        "account__owner__email",
    ]
    list_select_related = ["account"]
    date_hierarchy = "occurred_at"
    actions = ["export_csv"]
    fields = readonly_fields = [
        "occurred_at",
        "recorded_at",
        "action",
        "account",
        "subject_type",
        "subject_id",
        "subject_label",
        "old_value",
        "new_value",
        "reason",
        "actor_label",
    ]

    @admin.display(description=_("old → new"))
    def change(self, obj):
        return obj.change

    @admin.action(description=_("Export selected events as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        dataset = audit_export.events_dataset(queryset)
        response = HttpResponse(dataset.export("csv"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-events.csv"'
        return response


admin.site.site_header = _("Cloud Console · Support")
admin.site.site_title = _("Cloud Console Support")
admin.site.index_title = _("Back office")

# Refund tickets have their own module: the support queue is a workflow of its own.
from billing import admin_refunds  # noqa: E402, F401
