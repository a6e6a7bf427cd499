"""The recorded billing run: what `billing_run` and Celery beat call (SPEC §4).

run_due_jobs(now=T) does what is due at T and is safe to repeat. A run as of an instant at or
before the latest completed run would replay decisions a later run already took (stop a trial
that has since recovered, throttle an app again) and tell customers about them. So such a run
only settles days that are still unbilled; everything else is the later run's to decide.
"""

import datetime as dt
import traceback

from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.errors import BillingError, NotPermitted
from billing.models import BillingRun

from .lifecycle import RunReport, run_due_jobs, settle_due_days

# One run at a time: beat every few minutes and a hand-started run must not interleave.
RUN_LOCK = 7_220_041


def latest_completed_at() -> dt.datetime | None:
    return BillingRun.objects.filter(status=BillingRun.Status.COMPLETED).aggregate(
        latest=Max("at")
    )["latest"]


def billing_run(*, now: dt.datetime, trigger: str = "command", by=None) -> BillingRun:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [RUN_LOCK])
    try:
        latest = latest_completed_at()
        scope = (
            BillingRun.Scope.SETTLE_ONLY
            if latest is not None and now <= latest
            else BillingRun.Scope.FULL
        )
        run = BillingRun.objects.create(at=now, scope=scope, trigger=trigger, started_by=by)
        try:
            report = run_due_jobs(now=now) if scope == BillingRun.Scope.FULL else _settle(now)
        except Exception:
            run.status = BillingRun.Status.FAILED
            run.error = traceback.format_exc()[-4000:]
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "error", "finished_at"])
            raise
        run.status = BillingRun.Status.COMPLETED
        run.report = report.as_dict()
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "report", "finished_at"])
        return run
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK])


def _settle(now: dt.datetime) -> RunReport:
    report = RunReport()
    settle_due_days(now=now, report=report)
    return report


def start_run_for_staff(*, at: dt.datetime, by) -> BillingRun:
    """Support's "run for this instant" (the same code as the command and beat). A future
    instant is refused: it would stop and destroy services before they are due."""
    if not by.has_perm("billing.start_run"):
        raise NotPermitted(_("You do not have permission to do this."))
    if at > timezone.now():
        raise BillingError(_("A billing run cannot be started for a future instant."))
    return billing_run(now=at, trigger="staff", by=by)
