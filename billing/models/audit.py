import functools

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change of state or privilege that is not a ledger entry (SPEC.md §1 Decision).

    Modelled on Zulip's RealmAuditLog: written by the service that makes the change, in the same
    transaction, and never changed afterwards. The database refuses UPDATE and DELETE (see the
    trigger in migration 0018); the only update it lets through is the actor becoming NULL when a
    user is deleted, and actor_label keeps who it was.
    """

    class Action(models.TextChoices):
        APP_STOPPED = "app_stopped", _("App stopped")
        APP_RESUMED = "app_resumed", _("App resumed")
        APP_DESTROYED = "app_destroyed", _("App data destroyed")
        APP_REMOVED = "app_removed", _("Destroyed app removed from the list")
        APP_RENAMED = "app_renamed", _("App renamed")
        BILLING_MODE_CHANGED = "billing_mode_changed", _("Billing mode changed")
        SUBSCRIPTION_ENDED = "subscription_ended", _("Subscription ended")
        STAFF_RENEWAL = "staff_renewal", _("Renewed by staff")
        VERIFICATION_SUBMITTED = "verification_submitted", _("Verification submitted")
        VERIFICATION_APPROVED = "verification_approved", _("Verification approved")
        VERIFICATION_REJECTED = "verification_rejected", _("Verification rejected")
        CAPTCHA_POSTPAID_CHANGED = "captcha_postpaid_changed", _("CAPTCHA postpaid changed")
        BIG_CUSTOMER_CHANGED = "big_customer_changed", _("Big-customer flag changed")
        CHARITY_CHANGED = "charity_changed", _("Charity flag changed")
        VOUCHER_GRANTED = "voucher_granted", _("Voucher granted")
        SALE_STATUS_CHANGED = "sale_status_changed", _("Sale status changed")
        ARREARS_CLEARED = "arrears_cleared", _("Arrears cleared")

    SYSTEM = "system"

    account = models.ForeignKey(
        "billing.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        verbose_name=_("account"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    # "system" for billing runs and other automatic changes; the user's email otherwise.
    actor_label = models.CharField(_("by"), max_length=254)
    action = models.CharField(_("action"), max_length=32, choices=Action)
    subject_type = models.CharField(_("subject type"), max_length=40)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject_label = models.CharField(_("subject"), max_length=200)
    old_value = models.JSONField(_("old value"), null=True, blank=True)
    new_value = models.JSONField(_("new value"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The business instant (a billing run's `at`, or now); recorded_at is the wall clock.
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["account", "-occurred_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(actor_label=""), name="audit_event_has_actor_label"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.subject_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are immutable.")

    @property
    def change(self) -> str:
        """old → new as people read it: a state's label in the active language, not its code."""
        if self.old_value is None and self.new_value is None:
            return ""
        choices = _value_choices().get(self.action)
        return f"{_display(self.old_value, choices)} → {_display(self.new_value, choices)}"


@functools.cache
def _value_choices() -> dict:
    from .accounts import Account
    from .apps import PushApp
    from .catalog import Product
    from .packs import PushSubscription

    A = AuditEvent.Action
    return {
        A.APP_STOPPED: PushApp.State,
        A.APP_RESUMED: PushApp.State,
        A.APP_DESTROYED: PushApp.State,
        A.BILLING_MODE_CHANGED: PushApp.BillingMode,
        A.SUBSCRIPTION_ENDED: PushSubscription.State,
        A.VERIFICATION_SUBMITTED: Account.Verification,
        A.VERIFICATION_APPROVED: Account.Verification,
        A.VERIFICATION_REJECTED: Account.Verification,
        A.CAPTCHA_POSTPAID_CHANGED: Account.CaptchaPostpaid,
        A.SALE_STATUS_CHANGED: Product.SaleStatus,
    }


def _display(value, choices=None) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return str(value)
