"""Support's view of what was told to whom, and a resend for what failed."""

import json
import re

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .kinds import KINDS, Kind
from .models import Delivery, DevSmsMessage, Notice, Recipient, Subscription

# Shown to support as "••••••": a live code in the admin is a way around verification.
_REDACTED_CONTEXT_KEYS = {"code"}


def _context_json(context: dict) -> str:
    shown = {
        key: "••••••" if key in _REDACTED_CONTEXT_KEYS else value for key, value in context.items()
    }
    return json.dumps(shown, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=True)


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["recipient", "channel", "address", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "account", "kind", "subject_repr", "day"]
    list_filter = ["kind", "day"]
    search_fields = ["account__name", "account__owner__email", "kind"]
    list_select_related = ["account", "subject_type"]
    date_hierarchy = "created_at"
    fields = [
        "account",
        "kind",
        "subject_type",
        "subject_id",
        "day",
        "dedupe",
        "context_shown",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [DeliveryInline]

    @admin.display(description="subject")
    def subject_repr(self, notice: Notice) -> str:
        return f"{notice.subject_type.model} #{notice.subject_id}"

    @admin.display(description="dedupe key")
    def dedupe(self, notice: Notice) -> str:
        return notice.dedupe_key

    @admin.display(description="context")
    def context_shown(self, notice: Notice):
        return format_html("<pre>{}</pre>", _context_json(notice.context))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "account",
        "kind",
        "recipient",
        "channel",
        "address",
        "status",
        "attempts",
        "short_error",
    ]
    list_filter = ["status", "channel", "notice__kind"]
    search_fields = [
        "notice__account__name",
        "notice__account__owner__email",
        "notice__kind",
        "status",
        "address",
        "provider_message_id",
    ]
    list_select_related = ["notice__account", "recipient"]
    actions = ["resend_failed"]
    fields = [
        "notice",
        "recipient",
        "channel",
        "address",
        "status",
        "attempts",
        "sending_since",
        "next_attempt_at",
        "provider_message_id",
        "last_error",
        "sent_at",
        "read_at",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="account", ordering="notice__account__name")
    def account(self, delivery: Delivery):
        return delivery.notice.account

    @admin.display(description="kind", ordering="notice__kind")
    def kind(self, delivery: Delivery) -> str:
        return delivery.notice.get_kind_display()

    @admin.display(description="last error")
    def short_error(self, delivery: Delivery) -> str:
        return delivery.last_error[:80]

    @admin.action(description="Resend failed deliveries", permissions=["change"])
    def resend_failed(self, request, queryset):
        count = services.resend_failed(deliveries=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", count
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "account",
        "email",
        "email_verified_at",
        "mobile",
        "mobile_verified_at",
        "is_owner",
    ]
    search_fields = ["name", "email", "mobile", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account", "user"]
    inlines = [SubscriptionInline]


@admin.register(DevSmsMessage)
class DevSmsMessageAdmin(admin.ModelAdmin):
    """Support sees verification-code messages with the code hidden (a live code is a way
    around verification); superusers developing the console see them whole."""

    search_fields = ["phone_number", "reference"]

    def _shown(self, request) -> list[str]:
        if request.user.is_superuser:
            return ["text", "params"]
        return ["text_shown", "params_shown"]

    def get_list_display(self, request):
        return ["created_at", "phone_number", "template", self._shown(request)[0]]

    def get_fields(self, request, obj=None):
        return ["phone_number", "template", *self._shown(request), "reference", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @staticmethod
    def _is_code(obj) -> bool:
        return obj.template == KINDS[Kind.VERIFICATION_CODE].sms_template

    @admin.display(description=_("text"))
    def text_shown(self, obj):
        return re.sub(r"\d{4,}", "••••••", obj.text) if self._is_code(obj) else obj.text

    @admin.display(description=_("parameters"))
    def params_shown(self, obj):
        if not self._is_code(obj):
            return obj.params
        return ["••••••" if re.fullmatch(r"\d{4,}", str(p)) else p for p in obj.params]

    def has_add_permission(self, request):
        return False
