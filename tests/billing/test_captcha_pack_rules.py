"""CAPTCHA packs over time in the billing run: expiry reminders and the stop expiry causes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from billing import roles
from billing.days import BILLING_TZ
from billing.models import Account, CaptchaApp, CaptchaPack, PackSku
from billing.selectors import Acting
from billing.services import captcha, entitlement, ledger, metering
from billing.services.lifecycle import run_due_jobs
from notifications.models import Notice
from tests.factories import AccountFactory, CaptchaAppFactory, fund

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=BILLING_TZ)


def owner(account):
    return Acting(account=account, role=roles.OWNER)


def trial_claimed_on(day: str) -> CaptchaPack:
    account = AccountFactory()
    return captcha.claim_trial(acting=owner(account), now=at(day, 10))


def sent(kind, **filters):
    return list(Notice.objects.filter(kind=kind, **filters).order_by("day"))


def test_reminders_3_and_1_days_before_a_pack_expires_once_each_however_often_the_run_runs():
    pack = trial_claimed_on("2026-11-01")  # expires 2026-11-08 10:00 (UTC+8)
    for day in range(1, 12):
        for hour in (0, 9, 23):
            run_due_jobs(now=at(f"2026-11-{day:02d}", hour))
    reminders = sent("captcha_pack_expiry_reminder")
    assert [(n.day.isoformat(), n.context["days_left"]) for n in reminders] == [
        ("2026-11-05", 3),
        ("2026-11-07", 1),
    ]
    assert all(n.subject_id == pack.pk for n in reminders)
    assert reminders[0].context["pack_size"] == 20_000


def test_no_reminder_for_a_used_up_or_refunded_pack():
    used = trial_claimed_on("2026-11-01")
    CaptchaPack.objects.filter(pk=used.pk).update(used=used.size)
    refunded = trial_claimed_on("2026-11-01")
    CaptchaPack.objects.filter(pk=refunded.pk).update(refunded_at=at("2026-11-02"))
    for day in range(1, 9):
        run_due_jobs(now=at(f"2026-11-{day:02d}"))
    assert sent("captcha_pack_expiry_reminder") == []


def test_the_trial_expiring_stops_the_service_and_says_so_once():
    pack = trial_claimed_on("2026-11-01")
    account = pack.account
    run_due_jobs(now=at("2026-11-08", 9))  # an hour before expiry: still active
    assert entitlement.captcha_service_active(account, now=at("2026-11-08", 9))
    assert sent("captcha_service_stopped") == []
    for day, hour in [("2026-11-08", 11), ("2026-11-08", 23), ("2026-11-09", 6), ("2026-11-12", 9)]:
        run_due_jobs(now=at(day, hour))
    [stop] = sent("captcha_service_stopped")
    assert stop.day == dt.date(2026, 11, 8) and stop.context["reason"] == "trial_ended"
    assert not entitlement.captcha_service_active(account, now=at("2026-11-09"))


def test_expiry_with_postpaid_on_or_another_live_pack_does_not_stop_the_service():
    with_postpaid = trial_claimed_on("2026-11-01")
    Account.objects.filter(pk=with_postpaid.account_id).update(
        captcha_postpaid=Account.CaptchaPostpaid.ON
    )
    with_pack = trial_claimed_on("2026-11-01")
    account = fund(with_pack.account, cash="2000")
    captcha.buy_pack(
        acting=owner(account),
        user=account.owner,
        sku=PackSku.objects.get(code="captcha-count-1m"),
        idempotency_key="k",
    )
    run_due_jobs(now=at("2026-11-09"))
    assert sent("captcha_service_stopped") == []


def test_a_pack_used_up_before_it_expired_is_not_told_again_at_expiry():
    pack = trial_claimed_on("2026-11-01")
    CaptchaPack.objects.filter(pk=pack.pk).update(used=pack.size)
    run_due_jobs(now=at("2026-11-09"))
    assert sent("captcha_service_stopped") == []


def test_captcha_overage_stopped_by_arrears_is_told_once_with_that_reason():
    account = AccountFactory()
    with transaction.atomic():  # an overage charge the balance could not cover
        locked = ledger.lock_account(account.pk)
        ledger.post_entry(account=locked, kind="postpaid_charge", cash=Decimal("-40.00"))
    Account.objects.filter(pk=account.pk).update(
        captcha_postpaid=Account.CaptchaPostpaid.ON, arrears_since=at("2026-11-13", 8)
    )
    run_due_jobs(now=at("2026-11-14", 7))  # within the 24 hours: still served
    assert sent("captcha_service_stopped") == []
    for hour in (9, 12, 23):
        run_due_jobs(now=at("2026-11-14", hour))
    run_due_jobs(now=at("2026-11-15", 9))
    [stop] = sent("captcha_service_stopped")
    assert stop.day == dt.date(2026, 11, 14) and stop.context["reason"] == "arrears"


def _two_count_packs():
    account = fund(AccountFactory(), cash="10000")
    for key in ("a", "b"):
        captcha.buy_pack(
            acting=owner(account),
            user=account.owner,
            sku=PackSku.objects.get(code="captcha-count-1m"),
            idempotency_key=key,
        )
    first, second = CaptchaPack.objects.filter(account=account).order_by("id")
    return account, first, second


def _verify(account, tickets):
    app = CaptchaApp.objects.filter(account=account).first() or CaptchaAppFactory(account=account)
    now = timezone.now()
    events = [
        {"ticket": t, "app_id": app.captcha_app_id, "verified_at": now.isoformat()} for t in tickets
    ]
    return metering.ingest_verifications(account=account, events=events, now=now)


def test_a_used_up_pack_is_not_live_for_the_notice_the_console_or_the_overview(client):
    """SPEC §2 live pack: A 100% used and B 80% used is 80%, everywhere."""
    account, first, second = _two_count_packs()
    CaptchaPack.objects.filter(pk=first.pk).update(used=first.size)
    CaptchaPack.objects.filter(pk=second.pk).update(used=800_000)
    _verify(account, ["t1"])
    assert sent("captcha_usage_90") == []
    assert metering.live_pack_usage(account, now=timezone.now()) == (800_001, 1_000_000)
    client.force_login(account.owner)
    assert client.get(reverse("console:captcha")).context["usage_percent"] == 80
    assert client.get(reverse("console:overview")).context["packs"]["count"] == 1
    assert CaptchaPack.objects.live(at=timezone.now()).filter(account=account).count() == 1


def test_the_usage_notice_needs_more_than_90_percent():
    account, first, second = _two_count_packs()
    CaptchaPack.objects.filter(pk=first.pk).update(used=first.size)  # not live
    CaptchaPack.objects.filter(pk=second.pk).update(used=899_999)
    _verify(account, ["t1"])  # exactly 90%: not sent
    assert sent("captcha_usage_90") == []
    _verify(account, ["t2"])  # 900,001 of 1,000,000
    (notice,) = sent("captcha_usage_90")
    assert (notice.context["used"], notice.context["total"]) == (900_001, 1_000_000)


def test_one_batch_that_empties_the_live_packs_still_sends_the_usage_notice():
    trial = trial_claimed_on("2026-11-01")
    CaptchaPack.objects.filter(pk=trial.pk).update(
        used=16_000, expires_at=timezone.now() + dt.timedelta(days=3)
    )
    _verify(trial.account, [f"t{i}" for i in range(4_001)])
    (notice,) = sent("captcha_usage_90")
    assert (notice.context["used"], notice.context["total"]) == (20_000, 20_000)
