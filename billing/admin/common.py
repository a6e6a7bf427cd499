"""What every back-office page shares: read-only history, money columns, a reason."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from billing.errors import BillingError
from billing.money import yuan
from billing.services import audit


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
