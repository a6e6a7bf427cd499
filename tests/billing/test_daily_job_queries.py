"""Query counts of the daily jobs (issue 12): settlement is set-based, so its queries do not grow
with the number of apps; the per-app lifecycle work stays within a fixed number per app."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services.lifecycle import run_due_jobs
from tests.factories import AccountFactory, fund
from tests.helpers import at, postpaid_app, prepaid_order, report

pytestmark = pytest.mark.django_db


def queries_for_a_run(*, postpaid_apps: int, prepaid_apps: int) -> int:
    account = fund(AccountFactory(), cash="1000000")
    for n in range(postpaid_apps):
        app = postpaid_app(account, name=f"pp-{postpaid_apps}-{n}")
        report(app, "2026-11-01", 20_000)
    for n in range(prepaid_apps):
        prepaid_order(account, key=f"buy-{prepaid_apps}-{n}", now=at("2026-10-30", 10, 0))
    with CaptureQueriesContext(connection) as captured:
        run_due_jobs(now=at("2026-11-02"))
    return len(captured.captured_queries)


def test_settling_more_postpaid_apps_of_an_account_costs_no_more_queries():
    few = queries_for_a_run(postpaid_apps=3, prepaid_apps=0)
    many = queries_for_a_run(postpaid_apps=30, prepaid_apps=0)
    assert many == few, (few, many)


def test_the_prepaid_lifecycle_costs_a_fixed_number_of_queries_per_subscription():
    few = queries_for_a_run(postpaid_apps=0, prepaid_apps=2)
    many = queries_for_a_run(postpaid_apps=0, prepaid_apps=12)
    per_subscription = (many - few) / 10
    # Measured 2.4 (one subscription read and the capacity check each) with nothing due.
    assert per_subscription <= 3, (few, many, per_subscription)
