from celery import shared_task
from django.utils import timezone

from billing.services.runs import billing_run


@shared_task(name="billing.run_due_jobs", acks_late=True, ignore_result=True)
def run_billing() -> dict:
    """Celery beat calls this every few minutes; the run itself decides what is due."""
    run = billing_run(now=timezone.now(), trigger="beat")
    return {"run": run.pk, "scope": run.scope, **run.report}
