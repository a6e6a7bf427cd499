"""The stage tables (billing/stages.py): worked SPEC §3 examples, properties, and the same
instants in the countdown, the jobs and the notices."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from billing import stages
from billing.days import BILLING_TZ
from billing.models import PushApp
from billing.services.lifecycle import run_due_jobs
from notifications.models import Notice
from tests.factories import AccountFactory, PushAppFactory, fund
from tests.helpers import at, postpaid_app, prepaid_order, report

EXPIRY = at("2026-12-01", 10, 0)


def test_prepaid_track_worked_example():
    assert stages.prepaid_stops_at(EXPIRY) == at("2026-12-09", 0, 0)  # day 8, 00:00
    assert stages.prepaid_destroyed_at(EXPIRY) == at("2026-12-16", 0, 0)  # day 15
    assert stages.prepaid_stage(EXPIRY, at("2026-12-01", 9, 59)) == "active"
    assert stages.prepaid_stage(EXPIRY, EXPIRY) == "grace"
    assert stages.prepaid_stage(EXPIRY, at("2026-12-08", 23, 59)) == "grace"
    assert stages.prepaid_stage(EXPIRY, at("2026-12-09", 0, 0)) == "stopped"
    assert stages.prepaid_stage(EXPIRY, at("2026-12-16", 0, 0)) == "destroyed"


def test_trial_and_arrears_tracks_worked_example():
    assert stages.trial_reclaims_at(at("2026-11-02", 6, 30)) == at("2026-11-10", 0, 0)
    since = at("2026-11-02", 6, 30)
    assert stages.arrears_stops_at(since) == at("2026-11-03", 6, 30)
    assert stages.arrears_reclaims_at(at("2026-11-03", 7, 0)) == at("2026-11-10", 7, 0)


instants = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2028, 1, 1),
    timezones=st.just(BILLING_TZ),
)


@given(expires_at=instants, now=instants)
def test_prepaid_stages_are_ordered_and_the_countdown_points_forward(expires_at, now):
    assert (
        expires_at < stages.prepaid_stops_at(expires_at) < stages.prepaid_destroyed_at(expires_at)
    )
    countdown = stages.app_countdown(
        state="active",
        stop_reason="",
        stopped_at=None,
        billing_mode="prepaid",
        charity=False,
        expires_at=expires_at,
        arrears_since=None,
        big_customer=False,
        now=now,
    )
    if countdown is not None:
        assert countdown.at > now
        assert countdown.then_at is None or countdown.then_at > countdown.at
        assert stages.describe(countdown)


@given(since=instants)
def test_big_customers_have_no_arrears_countdown(since):
    common = dict(
        state="active",
        stop_reason="",
        stopped_at=None,
        billing_mode="postpaid",
        charity=False,
        expires_at=None,
        arrears_since=since,
        now=since,
    )
    assert stages.app_countdown(big_customer=True, **common) is None
    countdown = stages.app_countdown(big_customer=False, **common)
    assert (countdown.next, countdown.at) == ("stops", stages.arrears_stops_at(since))


@pytest.mark.django_db
def test_the_notices_quote_the_instants_the_jobs_act_on():
    account = fund(AccountFactory(), cash="800")
    order = prepaid_order(account, now=at("2026-11-01", 10, 0))
    expires_at = order.period_end
    run_due_jobs(now=at("2026-12-02"))
    expired = Notice.objects.get(kind="push_expired")
    assert expired.context["stops_at"] == stages.prepaid_stops_at(expires_at)
    run_due_jobs(now=stages.prepaid_stops_at(expires_at) - dt.timedelta(minutes=1))
    assert PushApp.objects.get(pk=order.app_id).state == PushApp.State.ACTIVE
    run_due_jobs(now=stages.prepaid_stops_at(expires_at))
    assert PushApp.objects.get(pk=order.app_id).state == PushApp.State.STOPPED
    stopped = Notice.objects.get(kind="push_stopped")
    assert stopped.context["destroys_at"] == stages.prepaid_destroyed_at(expires_at)

    trial = PushAppFactory(account=account)
    report(trial, "2026-12-09", 5_000)
    run_due_jobs(now=at("2026-12-10"))
    trial_notice = Notice.objects.get(kind="push_trial_stopped")
    assert trial_notice.context["reclaims_at"] == stages.trial_reclaims_at(at("2026-12-10"))


@pytest.mark.django_db
def test_the_console_shows_each_apps_countdown(client):
    account = fund(AccountFactory(), cash="10")
    order = prepaid_order(fund(account, cash="800"), now=at("2026-11-01", 10, 0))
    debtor = postpaid_app(account)
    report(debtor, "2026-11-01", 70_000)
    run_due_jobs(now=at("2026-11-02"))  # the postpaid day leaves the account in debt
    client.force_login(account.owner)
    with time_machine.travel(at("2026-11-02", 12, 0), tick=False):
        page = client.get(reverse("console:push")).content.decode()
        detail = client.get(reverse("console:push_app", args=[order.app_id])).content.decode()
    assert "Expires 2026-12-01 10:00; stops 2026-12-09 00:00 unless renewed." in page
    assert "Stops 2026-11-03 06:30 unless the debt is paid; reclaimed 2026-11-10 06:30." in page
    assert 'data-testid="countdown"' in detail and "2026-12-09 00:00" in detail


@pytest.mark.django_db
def test_the_renewals_page_shows_the_same_countdown(client):
    account = fund(AccountFactory(), cash="800")
    prepaid_order(account, now=at("2026-11-01", 10, 0))
    client.force_login(account.owner)
    with time_machine.travel(at("2026-12-03", 12, 0), tick=False):
        page = client.get(reverse("console:renewals")).content.decode()
    assert "Stops 2026-12-09 00:00 unless renewed; data destroyed 2026-12-16 00:00." in page
