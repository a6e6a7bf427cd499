"""SPEC §4: every run is recorded, and a run at or before the latest completed run changes
nothing a later run already decided; it may only settle days still unbilled."""

import io
import json

import pytest
from django.core.management import call_command

from billing.models import BillingRun, PushApp, PushDauDaily
from billing.services import runs
from billing.services.runs import billing_run
from notifications.models import Notice
from tests.factories import AccountFactory, PushAppFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db


def test_a_past_run_does_not_stop_a_trial_app_that_has_since_recovered():
    app = PushAppFactory(account=AccountFactory())
    PushDauDaily.objects.create(app=app, day="2026-11-10", dau=1_500)
    billing_run(now=at("2026-11-10", 9))
    app.refresh_from_db()
    assert app.state == PushApp.State.STOPPED
    PushDauDaily.objects.create(app=app, day="2026-11-11", dau=500)
    billing_run(now=at("2026-11-11", 9))
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE
    notices = Notice.objects.count()

    again = billing_run(now=at("2026-11-10", 9))  # someone re-runs a day already run
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE
    assert Notice.objects.count() == notices
    assert again.scope == BillingRun.Scope.SETTLE_ONLY
    assert again.status == BillingRun.Status.COMPLETED


def test_every_run_is_recorded_with_what_it_did():
    out = io.StringIO()
    call_command("billing_run", "--at", "2026-11-20T09:00+08:00", stdout=out)
    printed = json.loads(out.getvalue())
    run = BillingRun.objects.get()
    assert printed["run"] == run.pk and printed["scope"] == "full"
    assert run.status == BillingRun.Status.COMPLETED and run.finished_at is not None
    assert set(run.report) >= {"push_days_settled", "trial_stopped", "captcha_reminders"}


def test_a_failed_run_is_recorded_with_its_error_and_does_not_count_as_completed(monkeypatch):
    def boom(*, now):
        raise RuntimeError("settlement exploded")

    monkeypatch.setattr(runs, "run_due_jobs", boom)
    with pytest.raises(RuntimeError):
        billing_run(now=at("2026-11-21", 9))
    run = BillingRun.objects.get()
    assert run.status == BillingRun.Status.FAILED and "settlement exploded" in run.error
    assert runs.latest_completed_at() is None
