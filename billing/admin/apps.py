"""CAPTCHA and push apps, packs, subscriptions, stops and usage."""

from functools import partial

from django.contrib import admin
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import stages
from billing.models import (
    CaptchaApp,
    CaptchaPack,
    CaptchaUsageDaily,
    PushApp,
    PushAppStop,
    PushDauDaily,
    PushSubscription,
)
from billing.selectors import app_countdown
from billing.services import staff

from . import staff_pages as admin_staff
from .common import ReadOnlyAdmin


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
            "resume_refusal": app
            and app.state == PushApp.State.STOPPED
            and staff.resume_refusal(app),
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
