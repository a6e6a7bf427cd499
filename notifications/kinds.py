"""Every notice kind in one table: its category, SMS template, console page and context.

SPEC.md §2/§3 "Notices" list what is sent; §4 groups them into the categories a customer
subscribes to. Nothing else in the code base maps a kind to a category or a link.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    EXPIRY_RENEWAL = "expiry_renewal", _("Expiry and renewal")
    ARREARS_STOP = "arrears_stop", _("Arrears and stop")
    USAGE = "usage", _("Usage")
    BALANCE = "balance", _("Balance")
    REFUNDS = "refunds", _("Refunds")
    ACCOUNT = "account", _("Account and orders")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    INSITE = "insite", _("In-site message")


class Kind(models.TextChoices):
    PUSH_EXPIRY_REMINDER = "push_expiry_reminder", _("Push: prepaid expiry reminder")
    PUSH_EXPIRED = "push_expired", _("Push: prepaid expired")
    PUSH_STOPPED = "push_stopped", _("Push: service stopped")
    PUSH_DESTROYED = "push_destroyed", _("Push: data destroyed")
    PUSH_TRIAL_STOPPED = "push_trial_stopped", _("Push: trial stopped")
    PUSH_TRIAL_RECLAIMED = "push_trial_reclaimed", _("Push: trial reclaimed")
    PUSH_OVER_CAPACITY = "push_over_capacity", _("Push: over capacity")
    ARREARS = "arrears", _("Postpaid arrears")
    ARREARS_STOPPED = "arrears_stopped", _("Arrears: service stopped")
    ARREARS_RECLAIMED = "arrears_reclaimed", _("Arrears: resources reclaimed")
    CAPTCHA_PACK_EXPIRY_REMINDER = (
        "captcha_pack_expiry_reminder",
        _("CAPTCHA: pack expiry reminder"),
    )
    CAPTCHA_USAGE_90 = "captcha_usage_90", _("CAPTCHA: packs at 90%")
    CAPTCHA_SERVICE_STOPPED = "captcha_service_stopped", _("CAPTCHA: service stopped")
    BALANCE_ALERT = "balance_alert", _("Balance alert")
    REFUND_TICKET_UPDATE = "refund_ticket_update", _("Refund ticket update")
    VERIFICATION_CODE = "verification_code", _("Verification code")
    REAL_NAME_APPROVED = "real_name_approved", _("Real-name verification approved")
    REAL_NAME_REJECTED = "real_name_rejected", _("Real-name verification rejected")
    ORDER_PAID = "order_paid", _("Order paid")


@dataclass(frozen=True)
class KindSpec:
    category: str
    # Key into settings.SMS_TEMPLATE_IDS: the Tencent Cloud template approved for this kind.
    sms_template: str
    # Where the customer fixes it: a console URL name, and the path used until that page exists.
    console_url_name: str
    console_fallback_path: str
    # Context keys the caller must pass to notify() (the subject's own fields are added for it).
    required_context: tuple[str, ...] = ()
    # Context keys, in order, filling the SMS template's {1}, {2}, ... placeholders.
    sms_params: tuple[str, ...] = ()


KINDS: dict[str, KindSpec] = {
    Kind.PUSH_EXPIRY_REMINDER: KindSpec(
        Category.EXPIRY_RENEWAL,
        "push_expiry_reminder",
        "console:renewals",
        "/renewals/",
        required_context=("expires_at", "days_left"),
        sms_params=("app_name", "access_id", "expires_on"),
    ),
    Kind.PUSH_EXPIRED: KindSpec(
        Category.EXPIRY_RENEWAL,
        "push_expired",
        "console:renewals",
        "/renewals/",
        required_context=("expires_at", "stops_at"),
        sms_params=("app_name", "access_id", "stops_on"),
    ),
    Kind.PUSH_STOPPED: KindSpec(
        Category.ARREARS_STOP,
        "push_stopped",
        "console:push",
        "/push/",
        required_context=("stopped_at", "destroys_at"),
        sms_params=("app_name", "access_id", "destroys_on"),
    ),
    Kind.PUSH_DESTROYED: KindSpec(
        Category.ARREARS_STOP,
        "push_destroyed",
        "console:push",
        "/push/",
        required_context=("destroyed_at",),
        sms_params=("app_name", "access_id"),
    ),
    Kind.PUSH_TRIAL_STOPPED: KindSpec(
        Category.ARREARS_STOP,
        "push_trial_stopped",
        "console:push",
        "/push/",
        required_context=("stopped_at", "dau", "reclaims_at"),
        sms_params=("app_name", "access_id", "reclaims_on"),
    ),
    Kind.PUSH_TRIAL_RECLAIMED: KindSpec(
        Category.ARREARS_STOP,
        "push_trial_reclaimed",
        "console:push",
        "/push/",
        required_context=("reclaimed_at",),
        sms_params=("app_name", "access_id"),
    ),
    Kind.PUSH_OVER_CAPACITY: KindSpec(
        Category.USAGE,
        "push_over_capacity",
        "console:push",
        "/push/",
        required_context=("dau", "capacity_wan"),
        sms_params=("app_name", "access_id", "dau"),
    ),
    Kind.ARREARS: KindSpec(
        Category.ARREARS_STOP,
        "arrears",
        "console:balance",
        "/balance/",
        required_context=("amount_due", "stops_at"),
        sms_params=("amount_due", "stops_at"),
    ),
    Kind.ARREARS_STOPPED: KindSpec(
        Category.ARREARS_STOP,
        "arrears_stopped",
        "console:balance",
        "/balance/",
        required_context=("amount_due", "stopped_at", "reclaims_at"),
        sms_params=("amount_due", "reclaims_on"),
    ),
    Kind.ARREARS_RECLAIMED: KindSpec(
        Category.ARREARS_STOP,
        "arrears_reclaimed",
        "console:balance",
        "/balance/",
        required_context=("reclaimed_at",),
        sms_params=("account_name",),
    ),
    Kind.CAPTCHA_PACK_EXPIRY_REMINDER: KindSpec(
        Category.EXPIRY_RENEWAL,
        "captcha_pack_expiry_reminder",
        "console:captcha",
        "/captcha/",
        required_context=("days_left",),
        sms_params=("pack_size", "pack_expires_on"),
    ),
    Kind.CAPTCHA_USAGE_90: KindSpec(
        Category.USAGE,
        "captcha_usage_90",
        "console:captcha",
        "/captcha/",
        required_context=("used", "total"),
        sms_params=("percent_used",),
    ),
    Kind.CAPTCHA_SERVICE_STOPPED: KindSpec(
        Category.ARREARS_STOP,
        "captcha_service_stopped",
        "console:captcha",
        "/captcha/",
        required_context=("stopped_at", "reason"),
        sms_params=("account_name",),
    ),
    Kind.BALANCE_ALERT: KindSpec(
        Category.BALANCE,
        "balance_alert",
        "console:balance",
        "/balance/",
        required_context=("available_balance", "threshold"),
        sms_params=("available_balance", "threshold"),
    ),
    Kind.REFUND_TICKET_UPDATE: KindSpec(
        Category.REFUNDS,
        "refund_ticket_update",
        "console:refunds",
        "/refunds/",
        sms_params=("ticket_id",),
    ),
    Kind.VERIFICATION_CODE: KindSpec(
        Category.ACCOUNT,
        "verification_code",
        "notifications:settings",
        "/messages/settings/",
        required_context=("code", "valid_minutes"),
        sms_params=("code", "valid_minutes"),
    ),
    Kind.REAL_NAME_APPROVED: KindSpec(
        Category.ACCOUNT,
        "real_name_approved",
        "console:account",
        "/account/",
        sms_params=("account_name",),
    ),
    Kind.REAL_NAME_REJECTED: KindSpec(
        Category.ACCOUNT,
        "real_name_rejected",
        "console:account",
        "/account/",
        required_context=("reason",),
        sms_params=("account_name",),
    ),
    Kind.ORDER_PAID: KindSpec(
        Category.ACCOUNT,
        "order_paid",
        "console:orders",
        "/orders/",
        sms_params=("order_number", "order_total"),
    ),
}

# Sub-accounts with these roles get these categories by default (SPEC.md §3 "Recipients").
MEMBER_ROLES = ("admin", "finance")
MEMBER_DEFAULT_CATEGORIES = (Category.EXPIRY_RENEWAL, Category.ARREARS_STOP)

# Channels that carry an address and need a code before they receive anything else.
VERIFIED_CHANNELS = (Channel.EMAIL, Channel.SMS)


def spec(kind: str) -> KindSpec:
    return KINDS[kind]


def console_link(kind: str) -> str:
    """Absolute link to the console page that fixes what the notice is about."""
    kind_spec = KINDS[kind]
    try:
        path = reverse(kind_spec.console_url_name)
    except NoReverseMatch:
        path = kind_spec.console_fallback_path
    return settings.CONSOLE_BASE_URL.rstrip("/") + path
