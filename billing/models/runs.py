from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BillingRun(models.Model):
    """One `billing_run` (command or Celery beat): the instant it ran as of, what it did, and
    how it ended, for support to see (SPEC §4)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    class Scope(models.TextChoices):
        FULL = "full", _("Everything due")
        SETTLE_ONLY = "settle_only", _("Unbilled days only (at or before a completed run)")

    at = models.DateTimeField(_("as of"))
    scope = models.CharField(
        max_length=12, choices=Scope, default=Scope.FULL, verbose_name=_("scope")
    )
    status = models.CharField(
        max_length=10, choices=Status, default=Status.RUNNING, verbose_name=_("status")
    )
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    report = models.JSONField(default=dict, blank=True, verbose_name=_("report"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    trigger = models.CharField(max_length=20, default="command", verbose_name=_("trigger"))
    # Set when support started the run from the admin ("run for this instant").
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "at"])]
        permissions = [("start_run", "Can start a billing run for an instant")]

    def __str__(self) -> str:
        return f"run as of {self.at:%Y-%m-%d %H:%M} ({self.get_status_display()})"
