"""Whole lifecycles, one per product, over 40 simulated days of `billing_run --at ...`.

Each scenario moves "now" with time_machine for what the customer does (buy, report usage,
recharge) and drives the billing jobs only through the management command, as beat does.
"""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from billing import roles
from billing.days import BILLING_TZ
from billing.errors import BillingError
from billing.models import (
    Account,
    CaptchaPack,
    CaptchaUsageDaily,
    DeviceToken,
    LedgerEntry,
    Order,
    PostpaidBillLine,
    PushApp,
    PushDauDaily,
    PushRecord,
    PushSubscription,
    TagBinding,
)
from billing.selectors import Acting
from billing.services import captcha, entitlement, ledger, metering, push
from notifications.models import Notice
from tests.factories import AccountFactory, CaptchaAppFactory, PushAppFactory, fund, sku

pytestmark = pytest.mark.django_db

D = dt.date


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BILLING_TZ)


def days(first: dt.date, count: int):
    return [first + dt.timedelta(days=n) for n in range(count)]


def billing_run(instant: dt.datetime) -> None:
    with time_machine.travel(instant, tick=False):
        call_command("billing_run", at=instant.isoformat(), stdout=StringIO())


def notices(account) -> list[tuple[dt.date, str]]:
    """(day, kind) of every notice to the account, in day order."""
    return sorted(Notice.objects.filter(account=account).values_list("day", "kind"))


def state(app) -> tuple[str, str]:
    app.refresh_from_db()
    return app.state, app.stop_reason


def owner(account) -> Acting:
    return Acting(account=account, role=roles.OWNER)


# --- Mobile Push, prepaid ------------------------------------------------------------------


def test_push_prepaid_month_without_auto_renew_from_reminders_to_destruction():
    account = fund(AccountFactory(), cash="800")
    app = PushAppFactory(account=account, access_point="guangzhou")
    DeviceToken.objects.create(app=app, token="device-1")
    TagBinding.objects.create(app=app, tag="vip", token="device-1")
    PushRecord.objects.create(app=app, title="Welcome")
    with time_machine.travel(at(D(2026, 11, 15), 10), tick=False):
        push.buy_prepaid(
            acting=owner(account),
            user=account.owner,
            app=app,
            capacity_wan=1,
            months=1,
            idempotency_key="buy",
        )
    subscription = PushSubscription.objects.get(app=app)
    assert (subscription.expires_at, subscription.auto_renew) == (at(D(2026, 12, 15), 10), False)
    account.refresh_from_db()
    assert account.cash_balance == Decimal("0.00")

    expired_on, stop_day, destroy_day = D(2026, 12, 15), D(2026, 12, 23), D(2026, 12, 30)
    seen = {}
    for day in days(D(2026, 11, 21), 40):  # through 2026-12-30, day 15 after expiry
        for hour, minute in ((0, 5), (12, 0)):  # beat runs every 5 minutes; two samples a day
            billing_run(at(day, hour, minute))
            subscription.refresh_from_db()
            seen[(day, hour)] = (*state(app), subscription.state)
        if day == expired_on:
            # 00:05 is before the 10:00 expiry: the expiry notice comes with the noon run.
            assert Notice.objects.get(kind="push_expired", day=day).created_at == at(day, 12)
        if day == D(2026, 12, 24):  # day 9: stopped, only support can renew now
            with time_machine.travel(at(day, 12, 30), tick=False):
                fund(account, cash="800")
                with pytest.raises(BillingError, match="contact support"):
                    push.renew(
                        acting=owner(account),
                        user=account.owner,
                        subscription=subscription,
                        months=1,
                        idempotency_key="late-renewal",
                    )
            assert Order.objects.filter(account=account).count() == 1
        if app.state != PushApp.State.DESTROYED:
            with time_machine.travel(at(day, 23), tick=False):
                metering.report_dau(app=app, day=day, dau=5_000, now=at(day, 23))

    def expected(day, hour):
        if day < stop_day:
            return ("active", "", "active")
        if day < destroy_day:
            return ("stopped", "expired", "active")
        return ("destroyed", "expired", "ended")

    assert seen == {key: expected(*key) for key in seen}
    app.refresh_from_db()
    assert (app.stopped_at, app.destroyed_at) == (at(stop_day, 0, 5), at(destroy_day, 0, 5))

    reminders = days(D(2026, 12, 8), 7)  # 7..1 days before expiry
    expired = days(expired_on, 8)  # the expiry day (day 0) to day 7
    assert notices(account) == sorted(
        [(day, "push_expiry_reminder") for day in reminders]
        + [(day, "push_expired") for day in expired]
        + [(stop_day, "push_stopped"), (destroy_day, "push_destroyed")]
        + [(D(2026, 11, 15), "order_paid")]
    )
    days_left = Notice.objects.filter(kind="push_expiry_reminder").order_by("day")
    assert [notice.context["days_left"] for notice in days_left] == [7, 6, 5, 4, 3, 2, 1]
    stop = Notice.objects.get(kind="push_stopped")
    assert stop.context["destroys_at"] == at(destroy_day, 0)

    # Destroyed: the resource data is gone for good, the billing history stays.
    assert not DeviceToken.objects.filter(app=app).exists()
    assert not TagBinding.objects.filter(app=app).exists()
    assert not PushRecord.objects.filter(app=app).exists()
    assert PushDauDaily.objects.filter(app=app).count() == 39  # usage kept (2026-11-21..12-29)
    assert list(Order.objects.filter(app=app).values_list("kind", "total")) == [
        ("new", Decimal("800.00"))
    ]
    assert list(
        LedgerEntry.objects.filter(account=account)
        .order_by("id")
        .values_list("kind", "cash_amount")
    ) == [
        ("adjustment", Decimal("800.00")),
        ("payment", Decimal("-800.00")),
        ("adjustment", Decimal("800.00")),
    ]
    # Within its 1万 capacity and prepaid: never throttled, never billed per day.
    assert not app.throttled
    assert not PostpaidBillLine.objects.filter(app=app).exists()
    answer = entitlement.push_service(app=app)
    assert (answer["push_allowed"], answer["registration_allowed"]) == (False, False)


# --- Mobile Push, postpaid -----------------------------------------------------------------

# DAU per day (None: nothing reported, the app is stopped for arrears on those days).
POSTPAID_DAU = {
    D(2026, 11, 1): 40_000,
    D(2026, 11, 2): 40_000,
    D(2026, 11, 3): 800,  # free, and not a charged day
    **{day: 40_000 for day in days(D(2026, 11, 4), 5)},
    D(2026, 11, 9): 70_000,  # ¥224 against ¥104 left: ¥120 of it is debt
    D(2026, 11, 10): 40_000,  # all debt; 24 hours of arrears are up at the next run: stop
    D(2026, 11, 11): None,
    D(2026, 11, 12): None,
    **{day: 5_000 for day in days(D(2026, 11, 13), 28)},  # after the recharge: ¥32 a day
}


def test_push_postpaid_daily_bills_with_loyalty_days_arrears_stop_and_resume_on_recharge():
    account = fund(AccountFactory(), cash="1000")
    app = PushAppFactory(account=account, access_point="guangzhou")
    with time_machine.travel(at(D(2026, 11, 1), 9), tick=False):
        push.enable_postpaid(acting=owner(account), app_ids=[app.pk])
    app.refresh_from_db()
    assert (app.billing_mode, app.postpaid_first_enabled_at) == (
        "postpaid",
        at(D(2026, 11, 1), 9),
    )

    states = {}
    for day in days(D(2026, 11, 2), 40):  # each run settles yesterday once 06:00 has passed
        yesterday = day - dt.timedelta(days=1)
        if POSTPAID_DAU[yesterday] is not None:
            with time_machine.travel(at(yesterday, 22), tick=False):
                metering.report_dau(
                    app=app, day=yesterday, dau=POSTPAID_DAU[yesterday], now=at(yesterday, 22)
                )
        if day == D(2026, 11, 13):
            with time_machine.travel(at(day, 10), tick=False):
                ledger.recharge(account=account, amount=Decimal("2000"), provider_reference="r1")
            assert state(app) == ("active", "")  # the recharge cleared the debt: resumed at once
            account.refresh_from_db()
            assert (account.cash_balance, account.arrears_since) == (Decimal("1752.00"), None)
            assert entitlement.push_service(app=app)["push_allowed"] is True
        for hour in (6, 18):
            billing_run(at(day, hour, 30))
            account.refresh_from_db()
            states[(day, hour)] = (*state(app), account.cash_balance)

    lines = list(PostpaidBillLine.objects.filter(app=app).order_by("day"))
    charged = [day for day, dau in POSTPAID_DAU.items() if dau and dau > 1_000]
    expected_lines = []
    for day, dau in POSTPAID_DAU.items():
        if dau is None:
            continue
        number = charged.index(day) + 1 if day in charged else None
        amount = {40_000: "128.00", 70_000: "224.00", 5_000: "32.00", 800: "0.00"}[dau]
        debt = {D(2026, 11, 9): "120.00", D(2026, 11, 10): "128.00"}.get(day, "0.00")
        expected_lines.append((day, dau, number, Decimal(amount), Decimal(debt)))
    assert [
        (line.day, line.quantity, line.charged_day_number, line.amount, line.debt_amount)
        for line in lines
    ] == expected_lines
    assert [line.charged_day_number for line in lines if line.charged_day_number][-1] == 37

    # Each charge is one ledger entry on its line; the free day has none.
    for line in lines:
        entries = list(line.ledger.values_list("kind", "cash_amount", "gift_amount"))
        assert entries == (
            [("postpaid_charge", -line.amount, Decimal("0.00"))] if line.amount else []
        )
    assert list(
        LedgerEntry.objects.filter(account=account)
        .exclude(kind="postpaid_charge")
        .order_by("id")
        .values_list("kind", "cash_amount")
    ) == [("adjustment", Decimal("1000.00")), ("recharge", Decimal("2000.00"))]
    account.refresh_from_db()
    assert account.cash_balance == Decimal("1000") - Decimal("1248") + Decimal("2000") - 28 * 32
    assert ledger.ledger_sums(account_id=account.pk) == (account.cash_balance, Decimal("0.00"))

    # App state and balance after each run.
    assert states[(D(2026, 11, 9), 18)] == ("active", "", Decimal("104.00"))
    assert states[(D(2026, 11, 10), 6)] == ("active", "", Decimal("-120.00"))  # in arrears
    assert states[(D(2026, 11, 10), 18)] == ("active", "", Decimal("-120.00"))  # < 24 hours
    assert states[(D(2026, 11, 11), 6)] == ("stopped", "arrears", Decimal("-248.00"))
    assert states[(D(2026, 11, 12), 18)] == ("stopped", "arrears", Decimal("-248.00"))
    assert states[(D(2026, 11, 13), 6)] == ("active", "", Decimal("1752.00"))
    assert all(
        value[:2] == ("active", "")
        for (day, _hour), value in states.items()
        if not D(2026, 11, 11) <= day <= D(2026, 11, 12)
    )
    app.refresh_from_db()
    assert app.stopped_at is None

    # Arrears told on each day a charge fell into debt, the stop once; nothing else.
    assert notices(account) == [
        (D(2026, 11, 10), "arrears"),
        (D(2026, 11, 11), "arrears"),
        (D(2026, 11, 11), "arrears_stopped"),
    ]


# --- CAPTCHA ---------------------------------------------------------------------------------


def test_captcha_trial_then_count_pack_90_percent_overage_arrears_and_recharge():
    account = fund(AccountFactory(), cash="2010")
    acting = owner(account)
    with time_machine.travel(at(D(2026, 11, 1), 9), tick=False):
        trial = captcha.claim_trial(acting=acting)
        app = CaptchaAppFactory(account=account)
    assert trial.expires_at == at(D(2026, 11, 8), 9)

    def ingest(day, count, *, hour=15):
        instant = at(day, hour)
        with time_machine.travel(instant, tick=False):
            first = CaptchaUsageDaily.objects.filter(account=account, day=day).count()
            events = [
                {
                    "ticket": f"{day:%m%d}-{n}",
                    "app_id": app.captcha_app_id,
                    "verified_at": instant.isoformat(),
                }
                for n in range(first, first + count)
            ]
            results = [
                metering.ingest_verifications(
                    account=account, events=events[i : i + 10_000], now=instant
                )
                for i in range(0, count, 10_000)
            ]
            return (
                sum(r.from_packs for r in results),
                sum(r.overage for r in results),
                sum(r.refused for r in results),
            )

    def entitled(day, hour, minute=0):
        with time_machine.travel(at(day, hour, minute), tick=False):
            answer = entitlement.captcha_entitlement(app=app)
        return answer["service"], answer["source"], answer["remaining"]

    def count_pack():
        return CaptchaPack.objects.get(account=account, kind="count")

    captcha_lines = PostpaidBillLine.objects.filter(account=account, app__isnull=True)
    lines_before_eight = {}
    for day in days(D(2026, 11, 1), 40):
        billing_run(at(day, 7, 55))  # before 08:00 yesterday's overage is not due yet
        lines_before_eight[day] = captcha_lines.count()
        billing_run(at(day, 8, 30))
        if day == D(2026, 11, 1):
            assert ingest(day, 9_000) == (9_000, 0, 0)
            assert entitled(day, 15, 1) == ("active", "packs", 11_000)
        elif day == D(2026, 11, 2):
            assert ingest(day, 9_500) == (9_500, 0, 0)  # 18,500 of 20,000: past 90%
        elif D(2026, 11, 3) <= day <= D(2026, 11, 7):
            assert ingest(day, 200) == (200, 0, 0)
            if day == D(2026, 11, 7):
                assert entitled(day, 15, 1) == ("active", "packs", 500)
        elif day == D(2026, 11, 8):
            # The trial expired at 09:00 with 500 left and nothing else: the service stops.
            assert entitled(day, 8, 31) == ("active", "packs", 500)
            assert ingest(day, 100) == (0, 0, 100)
            assert entitled(day, 15, 1) == ("stopped", None, 0)
        elif day == D(2026, 11, 9):
            with time_machine.travel(at(day, 10), tick=False):
                captcha.buy_pack(
                    acting=acting,
                    user=account.owner,
                    sku=sku("captcha-count-1m"),
                    idempotency_key="count-pack",
                )
            account.refresh_from_db()
            # Bought with ¥10 left above zero: postpaid on; 0 of 1,000,000 used re-arms 90%.
            assert (account.cash_balance, account.captcha_postpaid) == (Decimal("10.00"), "on")
            assert account.captcha_usage_alert_sent is False
            assert ingest(day, 2_000) == (2_000, 0, 0)
            assert entitled(day, 15, 1) == ("active", "packs", 998_000)
        elif day == D(2026, 11, 10):
            assert count_pack().used == 2_000
            # Fast-forward: 878,000 more verifications through ingest_verifications would take
            # ~12 s, so the pack is moved to 880,000 used (88%) directly; everything from here
            # on is ingested event by event.
            CaptchaPack.objects.filter(pk=count_pack().pk).update(used=880_000)
            assert ingest(day, 30_000) == (30_000, 0, 0)  # 910,000 of 1,000,000: past 90%
        elif day == D(2026, 11, 11):
            assert ingest(day, 40_000) == (40_000, 0, 0)
        elif day == D(2026, 11, 12):
            assert ingest(day, 60_000) == (50_000, 10_000, 0)  # used up: postpaid takes over
            assert entitled(day, 15, 1) == ("active", "postpaid", 0)
        elif day == D(2026, 11, 13):
            account.refresh_from_db()  # ¥50 charged at 08:30 against ¥10: ¥40 debt
            assert (account.cash_balance, account.arrears_since) == (
                Decimal("-40.00"),
                at(day, 8, 30),
            )
            assert ingest(day, 2_000) == (0, 2_000, 0)  # within 24 hours: still served
            assert entitled(day, 15, 1) == ("active", "postpaid", 0)
        elif day == D(2026, 11, 14):
            # 24 hours of arrears at 08:30: postpaid stops, verifications are refused.
            assert entitled(day, 8, 31) == ("stopped", None, 0)
            assert ingest(day, 1_000) == (0, 0, 1_000)
            assert Notice.objects.filter(kind="captcha_service_stopped", day=day).exists()
        elif day == D(2026, 11, 15):
            with time_machine.travel(at(day, 10), tick=False):
                ledger.recharge(account=account, amount=Decimal("100"), provider_reference="r1")
            account.refresh_from_db()
            assert (account.cash_balance, account.arrears_since) == (Decimal("50.00"), None)
            assert entitled(day, 10, 1) == ("active", "postpaid", 0)
            assert ingest(day, 3_000) == (0, 3_000, 0)
        elif day == D(2026, 11, 17):
            assert ingest(day, 333) == (0, 333, 0)  # ¥1.665 rounds half-up to ¥1.67

    # Overage is charged the day after, from 08:00, once; days without overage bill nothing.
    expected = [
        (D(2026, 11, 12), 10_000, Decimal("50.00"), Decimal("40.00")),
        (D(2026, 11, 13), 2_000, Decimal("10.00"), Decimal("10.00")),
        (D(2026, 11, 15), 3_000, Decimal("15.00"), Decimal("0.00")),
        (D(2026, 11, 17), 333, Decimal("1.67"), Decimal("0.00")),
    ]
    assert [
        (line.day, line.quantity, line.amount, line.debt_amount)
        for line in captcha_lines.order_by("day")
    ] == expected
    for line in captcha_lines:
        assert line.created_at == at(line.day + dt.timedelta(days=1), 8, 30)
        assert lines_before_eight[line.day + dt.timedelta(days=1)] == sum(
            1 for row in expected if row[0] < line.day
        )
    usage = dict(CaptchaUsageDaily.objects.filter(account=account).values_list("day", "overage"))
    assert {day: overage for day, overage in usage.items() if overage} == {
        row[0]: row[1] for row in expected
    }
    assert (
        CaptchaUsageDaily.objects.get(account=account, day=D(2026, 11, 14)).verifications == 1_000
    )

    assert list(
        LedgerEntry.objects.filter(account=account)
        .order_by("id")
        .values_list("kind", "cash_amount", "gift_amount")
    ) == [
        ("adjustment", Decimal("2010.00"), Decimal("0.00")),
        ("payment", Decimal("-2000.00"), Decimal("0.00")),
        ("postpaid_charge", Decimal("-50.00"), Decimal("0.00")),
        ("postpaid_charge", Decimal("-10.00"), Decimal("0.00")),
        ("recharge", Decimal("100.00"), Decimal("0.00")),
        ("postpaid_charge", Decimal("-15.00"), Decimal("0.00")),
        ("postpaid_charge", Decimal("-1.67"), Decimal("0.00")),
    ]
    account.refresh_from_db()
    assert (account.cash_balance, account.captcha_postpaid) == (Decimal("33.33"), "on")
    assert ledger.ledger_sums(account_id=account.pk) == (Decimal("33.33"), Decimal("0.00"))
    assert account.captcha_postpaid == Account.CaptchaPostpaid.ON

    # The 90% notice once per crossing (the trial, then the count pack after the purchase
    # re-armed it); the trial's expiry reminders 3 and 1 days before while it still had counts;
    # the stop when it expired (told once, though both the refused verifications and the run
    # saw it); arrears on each day a charge fell into debt, and the stop that followed.
    assert notices(account) == [
        (D(2026, 11, 2), "captcha_usage_90"),
        (D(2026, 11, 5), "captcha_pack_expiry_reminder"),
        (D(2026, 11, 7), "captcha_pack_expiry_reminder"),
        (D(2026, 11, 8), "captcha_service_stopped"),
        (D(2026, 11, 9), "order_paid"),
        (D(2026, 11, 10), "captcha_usage_90"),
        (D(2026, 11, 13), "arrears"),
        (D(2026, 11, 14), "arrears"),
        (D(2026, 11, 14), "captcha_service_stopped"),
    ]
    reminders = Notice.objects.filter(kind="captcha_pack_expiry_reminder").order_by("day")
    assert [(notice.subject_id, notice.context["days_left"]) for notice in reminders] == [
        (trial.pk, 3),
        (trial.pk, 1),
    ]
    stops = Notice.objects.filter(kind="captcha_service_stopped").order_by("day")
    # The second stop is the arrears one (the count pack was used up days before, postpaid
    # carried on until the 24-hour grace ended), told once whether the run or a refused
    # verification saw it first.
    assert [notice.context["reason"] for notice in stops] == ["trial_ended", "arrears"]
