from celery import shared_task
from django.utils import timezone

from billing.services.lifecycle import run_due_jobs


@shared_task(name="billing.run_due_jobs", acks_late=True, ignore_result=True)
def run_billing() -> dict:
    """Celery beat calls this every few minutes; the run itself decides what is due."""
    return run_due_jobs(now=timezone.now()).as_dict()
