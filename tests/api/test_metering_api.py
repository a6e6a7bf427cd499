"""The signed metering and entitlement API (issue 6)."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import roles
from billing.days import BILLING_TZ, billing_day
from billing.models import (
    Account,
    CaptchaPack,
    CaptchaUsageDaily,
    PostpaidBillLine,
    PushApp,
    PushDauDaily,
    VerificationEvent,
)
from billing.selectors import Acting
from billing.services import api_keys, captcha, staff
from billing.services.lifecycle import run_due_jobs
from notifications.models import Notice
from tests.factories import (
    AccountFactory,
    CaptchaAppFactory,
    PushAppFactory,
    SupportFactory,
    fund,
    sku,
)
from tests.helpers import Signed

pytestmark = pytest.mark.django_db


def events(app, tickets, when=None):
    when = (when or timezone.now()).isoformat()
    return {
        "events": [
            {"ticket": t, "app_id": app.captcha_app_id, "verified_at": when} for t in tickets
        ]
    }


@pytest.fixture
def captcha_account():
    account = fund(AccountFactory(), cash="10000")
    acting = Acting(account=account, role=roles.OWNER)
    captcha.claim_trial(acting=acting)
    return account


def test_duplicates_in_a_batch_and_across_batches_count_once(client, captcha_account):
    app = CaptchaAppFactory(account=captcha_account)
    api = Signed(client, captcha_account)
    first = api.call("POST", "/api/v1/captcha/verifications", events(app, ["a", "b", "a"]))
    assert first.status_code == 200, first.content
    assert first.json() == {
        "received": 3,
        "duplicates": 1,
        "from_packs": 2,
        "overage": 0,
        "refused": 0,
    }
    again = api.call("POST", "/api/v1/captcha/verifications", events(app, ["b", "c"]))
    assert again.json()["duplicates"] == 1
    assert VerificationEvent.objects.count() == 3
    assert CaptchaPack.objects.get(account=captcha_account).used == 3


def test_a_ticket_is_scoped_to_its_main_account(client, captcha_account):
    """SPEC §2 ticket scope: another account's ticket is a new verification for this one, and
    the answer says nothing about who else reported it."""
    other = fund(AccountFactory(), cash="10000")
    captcha.claim_trial(acting=Acting(account=other, role=roles.OWNER))
    mine, theirs = CaptchaAppFactory(account=captcha_account), CaptchaAppFactory(account=other)
    first = Signed(client, other).call(
        "POST", "/api/v1/captcha/verifications", events(theirs, ["shared", "x"])
    )
    assert first.json()["duplicates"] == 0
    answer = Signed(client, captcha_account).call(
        "POST", "/api/v1/captcha/verifications", events(mine, ["shared"])
    )
    assert answer.json() == {
        "received": 1,
        "duplicates": 0,
        "from_packs": 1,
        "overage": 0,
        "refused": 0,
    }
    assert CaptchaPack.objects.get(account=captcha_account).used == 1
    assert CaptchaPack.objects.get(account=other).used == 2
    assert VerificationEvent.objects.filter(ticket="shared").count() == 2


def test_a_batch_that_fails_validation_stores_nothing(client, captcha_account):
    app = CaptchaAppFactory(account=captcha_account)
    other_app = CaptchaAppFactory()
    api = Signed(client, captcha_account)
    batch = events(app, ["x1", "x2"])
    batch["events"].append(
        {
            "ticket": "x3",
            "app_id": other_app.captcha_app_id,
            "verified_at": timezone.now().isoformat(),
        }
    )
    response = api.call("POST", "/api/v1/captcha/verifications", batch)
    assert response.status_code == 400
    assert "app_id" in response.json()["error"]["message"]
    assert not VerificationEvent.objects.exists()
    too_many = events(app, [f"t{i}" for i in range(10_001)])
    assert api.call("POST", "/api/v1/captcha/verifications", too_many).status_code == 400


def test_old_requests_bad_signatures_and_revoked_keys_are_refused(client, captcha_account):
    app = CaptchaAppFactory(account=captcha_account)
    api = Signed(client, captcha_account)
    path = "/api/v1/captcha/verifications"
    old = api.call("POST", path, events(app, ["o"]), timestamp=int(time.time()) - 301)
    assert (old.status_code, old.json()["error"]["code"]) == (401, "AuthFailure.RequestExpired")
    forged = api.call("POST", path, events(app, ["f"]), secret="not-the-secret")
    assert forged.json()["error"]["code"] == "AuthFailure.SignatureFailure"
    api_keys.revoke_key(acting=Acting(account=captcha_account, role=roles.OWNER), key_id=api.key.pk)
    revoked = api.call("POST", path, events(app, ["r"]))
    assert revoked.json()["error"]["code"] == "AuthFailure.SecretIdNotFound"
    assert not VerificationEvent.objects.exists()


def test_earliest_expiring_pack_first_then_postpaid_overage(client, captcha_account):
    acting = Acting(account=captcha_account, role=roles.OWNER)
    captcha.buy_pack(
        acting=acting, user=captcha_account.owner, sku=sku("captcha-count-1m"), idempotency_key="p"
    )
    captcha_account.refresh_from_db()
    assert captcha_account.captcha_postpaid == Account.CaptchaPostpaid.ON
    CaptchaPack.objects.filter(account=captcha_account, kind="count").update(used=999_990)
    app = CaptchaAppFactory(account=captcha_account)
    api = Signed(client, captcha_account)
    CaptchaPack.objects.filter(kind="trial").update(used=19_995)  # expires first: 5 left
    result = api.call(
        "POST", "/api/v1/captcha/verifications", events(app, [f"e{i}" for i in range(20)])
    ).json()
    assert (result["from_packs"], result["overage"], result["refused"]) == (15, 5, 0)
    packs = dict(CaptchaPack.objects.values_list("kind", "used"))
    assert packs == {"trial": 20_000, "count": 1_000_000}
    usage = CaptchaUsageDaily.objects.get(account=captcha_account)
    assert (usage.verifications, usage.overage) == (20, 5)
    assert Notice.objects.filter(kind="captcha_usage_90").count() == 1


def test_without_postpaid_the_service_stops(client, captcha_account):
    app = CaptchaAppFactory(account=captcha_account)
    api = Signed(client, captcha_account)
    CaptchaPack.objects.update(used=20_000)
    result = api.call("POST", "/api/v1/captcha/verifications", events(app, ["z"])).json()
    assert result["refused"] == 1
    entitlement = api.call("GET", f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement")
    assert entitlement.json()["service"] == "stopped"
    assert Notice.objects.filter(kind="captcha_service_stopped").count() == 1


def test_entitlement_is_cached_and_every_change_invalidates_it(client, captcha_account):
    app = CaptchaAppFactory(account=captcha_account)
    api = Signed(client, captcha_account)
    path = f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement"
    assert api.call("GET", path).json()["remaining"] == 20_000
    api.call("POST", "/api/v1/captcha/verifications", events(app, ["c1", "c2"]))
    assert api.call("GET", path).json()["remaining"] == 19_998
    pack = CaptchaPack.objects.get(account=captcha_account)
    pack.refunded_at = timezone.now()
    pack.save()
    assert api.call("GET", path).json()["service"] == "stopped"


def test_another_accounts_app_is_not_found(client, captcha_account):
    api = Signed(client, captcha_account)
    stranger = CaptchaAppFactory()
    response = api.call("GET", f"/api/v1/captcha/apps/{stranger.captcha_app_id}/entitlement")
    assert response.status_code == 404
    push_app = PushAppFactory()
    assert api.call("GET", f"/api/v1/push/apps/{push_app.access_id}/service").status_code == 404


def test_push_service_answers_for_stopped_and_destroyed_apps(client):
    account = AccountFactory()
    app = PushAppFactory(account=account)
    api = Signed(client, account)
    path = f"/api/v1/push/apps/{app.access_id}/service"
    assert api.call("GET", path).json()["push_allowed"] is True
    staff.stop_app(app=app, by=SupportFactory(), reason="Abuse report #2")
    answer = api.call("GET", path).json()
    assert (answer["push_allowed"], answer["registration_allowed"]) == (False, True)


def test_dau_reports_keep_the_highest_and_a_late_raise_becomes_an_adjustment(client):
    account = fund(AccountFactory(), cash="1000")
    app = PushAppFactory(
        account=account,
        billing_mode=PushApp.BillingMode.POSTPAID,
        postpaid_first_enabled_at=dt.datetime(2026, 1, 1, tzinfo=BILLING_TZ),
        postpaid_since=dt.datetime(2026, 1, 1, tzinfo=BILLING_TZ),
    )
    api = Signed(client, account)
    day = billing_day(timezone.now()) - dt.timedelta(days=2)
    path = f"/api/v1/push/apps/{app.access_id}/dau/{day}"
    assert api.call("PUT", path, {"dau": 40_000}).json()["dau"] == 40_000
    assert api.call("PUT", path, {"dau": 30_000}).json()["dau"] == 40_000
    assert api.call("PUT", path, {"dau": -1}).status_code == 400
    future = f"/api/v1/push/apps/{app.access_id}/dau/{day + dt.timedelta(days=5)}"
    assert api.call("PUT", future, {"dau": 5}).status_code == 400
    run_due_jobs(now=timezone.now())
    assert PostpaidBillLine.objects.get(app=app).amount == Decimal("128.00")
    api.call("PUT", path, {"dau": 70_000})
    run_due_jobs(now=timezone.now())
    run_due_jobs(now=timezone.now())
    original = PostpaidBillLine.objects.get(app=app, adjusts__isnull=True)
    adjustment = PostpaidBillLine.objects.get(adjusts=original)
    assert (original.amount, adjustment.amount) == (Decimal("128.00"), Decimal("96.00"))
    account.refresh_from_db()
    assert account.cash_balance == Decimal("776.00")
    assert PushDauDaily.objects.get(app=app).dau == 70_000


def test_captcha_overage_is_settled_at_0800_next_day_once(captcha_account):
    two_days_ago = billing_day(timezone.now()) - dt.timedelta(days=2)  # due at any hour
    CaptchaUsageDaily.objects.create(
        account=captcha_account, day=two_days_ago, verifications=1234, overage=1234
    )
    run_due_jobs(now=timezone.now())
    run_due_jobs(now=timezone.now())
    line = PostpaidBillLine.objects.get(account=captcha_account, app__isnull=True)
    assert (line.quantity, line.amount) == (1234, Decimal("6.17"))
    captcha_account.refresh_from_db()
    assert captcha_account.cash_balance == Decimal("9993.83")


def test_late_overage_for_a_billed_day_is_the_day_total_rounded_once(
    captcha_account, django_assert_max_num_queries
):
    two_days_ago = billing_day(timezone.now()) - dt.timedelta(days=2)
    usage = CaptchaUsageDaily.objects.create(
        account=captcha_account, day=two_days_ago, verifications=1, overage=1
    )
    run_due_jobs(now=timezone.now())  # 1 × ¥0.005 = ¥0.01 (half up)
    CaptchaUsageDaily.objects.filter(pk=usage.pk).update(verifications=2, overage=2)
    run_due_jobs(now=timezone.now())  # the day is now 2 × ¥0.005 = ¥0.01: nothing more is due
    lines = PostpaidBillLine.objects.filter(account=captcha_account, app__isnull=True)
    assert sorted(line.amount for line in lines) == [Decimal("0.00"), Decimal("0.01")]
    captcha_account.refresh_from_db()
    assert captcha_account.cash_balance == Decimal("9999.99")
    # A run with nothing left to bill does not revisit every past day.
    with django_assert_max_num_queries(60):
        run_due_jobs(now=timezone.now())


@pytest.mark.parametrize(
    "event, error",
    [
        ({"app_id": [1]}, "app_id"),
        ({"app_id": True}, "app_id"),
        ({"ticket": "a\u0000b"}, "control characters"),
        ({"verified_at": "2099-01-01T00:00:00+08:00"}, "not in the future"),
        ({"verified_at": "2020-01-01T00:00:00+08:00"}, "within the last 30 days"),
        ({"verified_at": "0001-01-01T00:00:00+14:00"}, "within the last 30 days"),
        ({"verified_at": "9999-12-31T23:00:00-14:00"}, "not in the future"),
    ],
)
def test_events_that_cannot_be_billed_are_refused_as_json(client, captcha_account, event, error):
    app = CaptchaAppFactory(account=captcha_account)
    api = Signed(client, captcha_account)
    good = {"ticket": "t1", "app_id": app.captcha_app_id, "verified_at": timezone.now().isoformat()}
    response = api.call("POST", "/api/v1/captcha/verifications", {"events": [{**good, **event}]})
    assert response.status_code == 400 and error in response.json()["error"]["message"]
    assert not VerificationEvent.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_TIMESTAMP": "1" + "0" * 400},
        {"HTTP_X_TIMESTAMP": "-5"},
        {"HTTP_X_TIMESTAMP": "１２３"},  # fullwidth digits
        {"HTTP_X_SIGNATURE": "é" * 64},
    ],
)
def test_malformed_auth_headers_get_a_json_401(client, captcha_account, headers):
    api = Signed(client, captcha_account)
    app = CaptchaAppFactory(account=captcha_account)
    path = f"/api/v1/captcha/apps/{app.captcha_app_id}/entitlement"
    timestamp = str(int(time.time()))
    base = {
        "HTTP_X_SECRET_ID": api.key.secret_id,
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_SIGNATURE": "0" * 64,
    }
    response = client.get(path, **{**base, **headers})
    assert response.status_code == 401 and response.json()["error"]["code"].startswith("Auth")


def test_dau_beyond_the_column_or_for_a_destroyed_app_is_refused(client):
    account = AccountFactory()
    app = PushAppFactory(account=account)
    api = Signed(client, account)
    path = f"/api/v1/push/apps/{app.access_id}/dau/{billing_day(timezone.now())}"
    assert api.call("PUT", path, {"dau": 3_000_000_000}).status_code == 400
    PushApp.objects.filter(pk=app.pk).update(
        state=PushApp.State.DESTROYED, destroyed_at=timezone.now()
    )
    response = api.call("PUT", path, {"dau": 10})
    assert response.status_code == 400 and "destroyed" in response.json()["error"]["message"]
    assert not PushDauDaily.objects.filter(app=app).exists()


@pytest.mark.django_db(transaction=True)
def test_batches_sharing_tickets_in_opposite_orders_do_not_deadlock():
    import threading

    from billing.services import metering

    account = fund(AccountFactory(), cash="10000")
    captcha.claim_trial(acting=Acting(account=account, role=roles.OWNER))
    app = CaptchaAppFactory(account=account)
    tickets = [f"t{i:05d}" for i in range(3_000)]
    now = timezone.now()
    batches = [events(app, tickets)["events"], events(app, tickets[::-1])["events"]]
    barrier, failures = threading.Barrier(2), []

    def ingest(batch):
        try:
            barrier.wait()
            metering.ingest_verifications(account=account, events=batch, now=now)
        except Exception as failure:  # the assertion below reports it
            failures.append(failure)
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=ingest, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert VerificationEvent.objects.filter(account=account).count() == 3_000
    assert CaptchaPack.objects.get(account=account).used == 3_000
