"""Customer accounts: balance, verification, privileges, members and invitations."""

import uuid
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from billing import policy
from billing.errors import BillingError
from billing.models import (
    Account,
    Invitation,
    Membership,
)
from billing.money import yuan
from billing.services import accounts as account_services
from billing.services import approvals

from . import search as admin_search
from . import staff_pages as admin_staff
from . import timeline as admin_timeline
from .common import ReadOnlyAdmin, money_column


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
    bank_reference = forms.CharField(
        label=_("Bank reference"),
        max_length=64,
        required=False,
        help_text=_("For a transfer received: a reference credited before is flagged."),
    )
    reference_checked = forms.BooleanField(
        label=_("I checked: this reference is to be credited again"), required=False
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
            data = form.cleaned_data
            try:
                outcome = approvals.request_adjustment(
                    account=account,
                    cash=data["cash"],
                    gift=data["gift"],
                    reason=data["reason"],
                    by=request.user,
                    idempotency_key=data["idempotency_key"],
                    bank_reference=data["bank_reference"],
                    reference_checked=data["reference_checked"],
                )
            except BillingError as error:
                form.add_error(None, str(error))
            else:
                if outcome.pending:
                    self.message_user(
                        request,
                        _("Above %(limit)s: sent to a second staff member for approval.")
                        % {"limit": yuan(policy.STAFF_SINGLE_APPROVAL_LIMIT)},
                        messages.WARNING,
                    )
                    return redirect(
                        reverse("admin:billing_staffapproval_change", args=[outcome.approval.pk])
                    )
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


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Sub-account invitations: only the invitee can accept one (SPEC §1)."""

    list_display = ["email", "account", "role", "status", "created_at", "expires_at", "decided_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "account__name"]
