"""Billing runs and the audit trail (SPEC §1, §4)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import audit_export
from billing.errors import BillingError
from billing.models import (
    AuditEvent,
    BillingRun,
)
from billing.services import runs

from .common import ReadOnlyAdmin


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
