"""Reliability of the billing run and of metering: crashes, races and replays (issue 6).

Every test here commits for real (transaction=True) where a crash, a second connection or a
re-run must see what the first one left behind.
"""

import datetime as dt
import importlib
import threading
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from billing import pricing, roles
from billing.errors import BillingError, InsufficientBalance
from billing.models import (
    CaptchaPack,
    CaptchaUsageDaily,
    LedgerEntry,
    Order,
    PostpaidBillLine,
    Product,
    PushApp,
    PushSubscription,
    VerificationEvent,
)
from billing.selectors import Acting
from billing.services import captcha, ledger, metering, push, settlement
from billing.services.lifecycle import run_due_jobs
from billing.services.settlement import charging as settlement_charging
from billing.services.settlement import push as settlement_push
from notifications.models import Notice
from tests.factories import AccountFactory, CaptchaAppFactory, PushAppFactory, fund, sku
from tests.helpers import at, postpaid_app, race, report


def assert_balances_are_the_ledger(account):
    account.refresh_from_db()
    assert ledger.ledger_sums(account_id=account.pk) == (
        account.cash_balance,
        account.gift_balance,
    )


# --- a run killed half-way ----------------------------------------------------------------

DAYS = ("2026-11-01", "2026-11-02", "2026-11-03")

# (cash, gift, big customer, [(region, charity, DAU on each of DAYS)])
WORLD = [
    ("5000", "0", False, [("guangzhou", False, (40_000, 500, 70_000)),
                          ("singapore", False, (40_000, 40_000, 40_000))]),
    ("100", "20", False, [("guangzhou", False, (70_000, 70_000, 70_000))]),
    ("0", "300", False, [("singapore", False, (70_000, 70_000, 70_000))]),
    ("1000", "0", False, [("guangzhou", True, (40_000, 40_000, 40_000)),
                          ("shanghai", False, (5_000, 5_000, 5_000))]),
    ("50", "0", False, [("hongkong", False, (20_000, 20_000, 20_000))]),
    ("10", "0", True, [("shanghai", False, (40_000, 40_000, 40_000))]),
]  # fmt: skip

# Worked by hand from SPEC.md §3 (gift credit first, then cash; what cash can't cover is debt).
EXPECTED_BALANCES = [
    (Decimal("4465.60"), Decimal("0.00")),  # 128 + 0 + 224 + 3 × 60.80
    (Decimal("-552.00"), Decimal("0.00")),  # 3 × 224 = 672: gift 20, cash 100, debt 552
    (Decimal("-19.20"), Decimal("0.00")),  # 3 × 106.40 = 319.20: gift 300, debt 19.20
    (Decimal("904.00"), Decimal("0.00")),  # charity free, 3 × 32 fixed
    (Decimal("-41.20"), Decimal("0.00")),  # 3 × 30.40 = 91.20 against ¥50
    (Decimal("-374.00"), Decimal("0.00")),  # big customer: 3 × 128 against ¥10
]


def build_world():
    """The same accounts, apps and DAU reports every time; returns [(account, [apps])]."""
    world = []
    for cash, gift, big, apps in WORLD:
        account = fund(AccountFactory(big_customer=big), cash=cash, gift=gift)
        made = []
        for region, charity, daus in apps:
            app = postpaid_app(account, region=region, charity=charity)
            for day, dau in zip(DAYS, daus, strict=True):
                report(app, day, dau)
            made.append(app)
        world.append((account, made))
    return world


def expected_lines(world):
    """Every app-day's bill line, priced by billing.pricing, with loyalty day numbers."""
    lines = {}
    for (_account, apps), (_cash, _gift, _big, specs) in zip(world, WORLD, strict=True):
        for app_index, (app, (region, charity, daus)) in enumerate(zip(apps, specs, strict=True)):
            number = 0
            for day, dau in zip(DAYS, daus, strict=True):
                charged = pricing.postpaid_day_is_charged(dau=dau)
                number += charged
                quote = pricing.push_postpaid_day_quote(
                    region=region, dau=dau, charged_day_number=number or 1
                )
                amount = Decimal("0.00") if charity else quote.total
                lines[(app.pk, day)] = (app_index, day, dau, number if charged else None, amount)
    return lines


def snapshot(world):
    """Everything the settlement wrote, per account, with ids replaced by positions."""
    result = []
    for account, apps in world:
        account.refresh_from_db()
        position = {app.pk: index for index, app in enumerate(apps)}

        def line_key(line, position=position):
            return (
                position[line.app_id],
                line.day.isoformat(),
                line.quantity,
                line.charged_day_number,
                line.unit_price,
                line.discount_rate,
                line.amount,
                line.debt_amount,
                line.adjusts_id is None,
            )

        entries = [
            (
                entry.kind,
                entry.cash_amount,
                entry.gift_amount,
                entry.cash_balance_after,
                entry.gift_balance_after,
                entry.memo,
                line_key(entry.bill_line) if entry.bill_line else None,
            )
            for entry in LedgerEntry.objects.filter(account=account)
            .select_related("bill_line")
            .order_by("id")
        ]
        lines = sorted(line_key(line) for line in PostpaidBillLine.objects.filter(account=account))
        notices = sorted(
            (notice.kind, notice.day.isoformat(), notice.subject_type.model)
            for notice in Notice.objects.filter(account=account)
        )
        result.append(
            {
                "balances": (account.cash_balance, account.gift_balance),
                "in_arrears": account.arrears_since is not None,
                "ledger": entries,
                "lines": lines,
                "notices": notices,
                "apps": [
                    tuple(PushApp.objects.filter(pk=app.pk).values_list("state", "stop_reason")[0])
                    for app in apps
                ],
            }
        )
    return result


class Crash(Exception):
    pass


def settlement_part(target: str):
    """ "charging.charge_lines" -> (billing.services.settlement.charging, "charge_lines")."""
    module, name = target.split(".")
    return importlib.import_module(f"billing.services.settlement.{module}"), name


def crash_on_call(monkeypatch, *, name: str, call: int, after: bool):
    """Make settlement's <module.name> raise on its `call`-th call, before or after its work."""
    module, name = settlement_part(name)
    original = getattr(module, name)
    calls = []

    def crashing(*args, **kwargs):
        calls.append(1)
        if len(calls) == call and not after:
            raise Crash(f"killed before {name} #{call}")
        result = original(*args, **kwargs)
        if len(calls) == call:
            raise Crash(f"killed after {name} #{call}")
        return result

    monkeypatch.setattr(module, name, crashing)
    return calls


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("target", "call", "after", "chunk"),
    [
        ("charging.charge_lines", 3, False, None),  # lines inserted, nothing charged yet
        ("charging.charge_lines", 3, True, None),  # charged, debt and arrears, not committed
        ("push._insert_lines", 5, True, None),
        ("charging.charge_lines", 4, True, 4),  # small chunks: one account spans two chunks
    ],
    ids=["before-charge", "after-charge", "after-insert", "chunked"],
)
def test_a_run_killed_half_way_and_re_run_produces_the_ledger_of_an_uninterrupted_run(
    monkeypatch, target, call, after, chunk
):
    if chunk:
        monkeypatch.setattr(settlement_push, "CHUNK", chunk)
    # The reference copy: one uninterrupted run.
    reference = build_world()
    call_command("billing_run", at="2026-11-04T06:30+08:00")
    uninterrupted = snapshot(reference)

    # The same world again, killed half-way through settlement, then re-run un-patched.
    crashed = build_world()
    module, name = settlement_part(target)
    original = getattr(module, name)
    calls = crash_on_call(monkeypatch, name=target, call=call, after=after)
    with pytest.raises(Crash):
        call_command("billing_run", at="2026-11-04T06:30+08:00")
    assert len(calls) == call
    monkeypatch.setattr(module, name, original)
    half = snapshot(crashed)
    lines_per_account = [len(apps) * len(DAYS) for *_money, apps in WORLD]
    settled = [len(account["lines"]) for account in half]
    assert 0 < sum(settled) < sum(lines_per_account), "the crash must stop the run half-way"
    if not chunk:  # one transaction per account: whole accounts settled or not at all
        assert all(n in (0, full) for n, full in zip(settled, lines_per_account, strict=True))
    for account in half:
        if not account["lines"]:  # nothing of an unsettled account was kept: no entry, notice
            assert [entry[0] for entry in account["ledger"]] == ["adjustment"]
            assert account["notices"] == [] and not account["in_arrears"]
    call_command("billing_run", at="2026-11-04T06:40+08:00")
    call_command("billing_run", at="2026-11-04T06:50+08:00")  # and again: nothing more
    assert snapshot(crashed) == uninterrupted
    assert snapshot(reference) == uninterrupted  # the re-runs did not touch the other copy

    # And both are what SPEC.md prices.
    assert [account["balances"] for account in uninterrupted] == EXPECTED_BALANCES
    expected = expected_lines(crashed)
    for account, _apps in crashed:
        for line in PostpaidBillLine.objects.filter(account=account):
            _index, _day, dau, number, amount = expected[(line.app_id, line.day.isoformat())]
            assert (line.quantity, line.charged_day_number, line.amount) == (dau, number, amount)
            charges = LedgerEntry.objects.filter(bill_line=line)
            if line.amount:
                (charge,) = charges
                assert -(charge.cash_amount + charge.gift_amount) == line.amount
            else:
                assert not charges.exists()
        assert_balances_are_the_ledger(account)
        debt = PostpaidBillLine.objects.filter(account=account).aggregate(d=Sum("debt_amount"))
        assert account.debt == debt["d"]
    assert PostpaidBillLine.objects.count() == 2 * len(expected)


# --- a purchase racing a settlement -------------------------------------------------------

PUSH_PRICE = Decimal("800.00")  # Guangzhou 1万 × 1 month
PACK_PRICE = Decimal("2000.00")  # count pack 1,000,000
CHARGES = Decimal("448.00")  # two Guangzhou days at 70,000 DAU: 2 × ¥224


def buy_captcha_pack(account, now):
    return captcha.buy_pack(
        acting=Acting(account=account, role=roles.OWNER),
        user=account.owner,
        sku=sku("captcha-count-1m"),
        idempotency_key=f"race-pack-{account.pk}",
        now=now,
    )


def buy_push_package(account, now):
    app = PushApp.objects.get(account=account, billing_mode=PushApp.BillingMode.TRIAL)
    return push.buy_prepaid(
        acting=Acting(account=account, role=roles.OWNER),
        user=account.owner,
        app=app,
        capacity_wan=1,
        months=1,
        idempotency_key=f"race-push-{account.pk}",
        now=now,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("buy", "price"),
    [(buy_captcha_pack, PACK_PRICE), (buy_push_package, PUSH_PRICE)],
    ids=["captcha-pack", "push-package"],
)
def test_a_purchase_racing_a_settlement_never_overdraws_or_loses_a_charge(buy, price):
    now = at("2026-11-03")
    outcomes = []
    for round_number in range(6):
        # Enough for the purchase, or for the charges, but not both: whichever commits second
        # either fails (purchase) or runs into recorded debt (settlement).
        account = fund(AccountFactory(), cash=str(price + 100), gift="20")
        postpaid = postpaid_app(account)
        report(postpaid, "2026-11-01", 70_000)
        report(postpaid, "2026-11-02", 70_000)
        PushAppFactory(account=account)  # a trial app, for the push package
        settle = (
            (lambda: settlement.settle_push_postpaid(now=now))
            if round_number % 2
            else (lambda: run_due_jobs(now=now))
        )
        settled, bought = race(settle, lambda account=account: buy(account, now))
        assert not isinstance(settled, Exception), settled

        account.refresh_from_db()
        assert_balances_are_the_ledger(account)
        lines = list(PostpaidBillLine.objects.filter(account=account).order_by("day"))
        assert [line.amount for line in lines] == [Decimal("224.00"), Decimal("224.00")]
        for line in lines:  # every charge is on the ledger, or recorded as debt: never lost
            (charge,) = LedgerEntry.objects.filter(bill_line=line, kind="postpaid_charge")
            assert -(charge.cash_amount + charge.gift_amount) == line.amount
        debt = sum(line.debt_amount for line in lines)
        payments = LedgerEntry.objects.filter(account=account, kind="payment")
        if isinstance(bought, Exception):
            # Settled first: ¥448 left less than the price; the purchase wrote nothing.
            assert isinstance(bought, InsufficientBalance), bought
            assert not Order.objects.filter(account=account).exists()
            assert not payments.exists()
            assert not CaptchaPack.objects.filter(account=account).exists()
            assert not PushSubscription.objects.filter(app__account=account).exists()
            assert (account.cash_balance, account.gift_balance, debt) == (
                price + 100 - CHARGES + 20,
                Decimal("0.00"),
                Decimal("0.00"),
            )
            assert account.arrears_since is None
            outcomes.append("settlement first")
        else:
            # Bought first (gift 20, then cash): ¥120 cash left, so ¥328 of the charges is debt.
            assert bought.created
            (payment,) = payments
            assert (payment.order_id, payment.cash_amount, payment.gift_amount) == (
                bought.order.pk,
                -(price - 20),
                Decimal("-20.00"),
            )
            assert (account.cash_balance, account.gift_balance, debt) == (
                Decimal("-328.00"),
                Decimal("0.00"),
                Decimal("328.00"),
            )
            assert account.arrears_since == now
            outcomes.append("purchase first")
        # Nothing but recorded debt ever took the balance below zero.
        running_debt = Decimal("0.00")
        for entry in LedgerEntry.objects.filter(account=account).order_by("id"):
            assert entry.gift_balance_after >= 0
            if entry.bill_line_id:
                running_debt += entry.bill_line.debt_amount
            assert entry.cash_balance_after >= -running_debt, entry
            if entry.kind != "postpaid_charge":
                assert entry.cash_balance_after >= 0, entry
        assert account.debt == debt
    # Each round asserted the invariants for whichever order won; which won is timing.
    assert len(outcomes) == 6


# --- a late or overlapping billing run ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_number_loyalty_days_from_committed_lines(monkeypatch):
    """Two overlapping billing runs (a slow run and the next beat) with chunks that do not
    line up: the days the first run commits while the second waits for the account lock must
    count toward the second run's loyalty day numbers."""
    monkeypatch.setattr(settlement_push, "CHUNK", 3)
    first = fund(AccountFactory(), cash="100")
    early = postpaid_app(first)
    report(early, "2026-11-01", 40_000)
    account = fund(AccountFactory(), cash="5000")
    app = postpaid_app(account, enabled="2026-01-01")
    PostpaidBillLine.objects.bulk_create(
        PostpaidBillLine(
            account=account,
            product=Product.objects.get(code="push"),
            app=app,
            day=dt.date(2026, 4, 1) + dt.timedelta(days=n),
            quantity=20_000,
            charged_day_number=n + 1,
            unit_price="0.0032",
            amount="64.00",
        )
        for n in range(178)
    )
    for day in DAYS:  # charged days 179, 180 and 181 (the first with 80%)
        report(app, day, 70_000)

    original = settlement_charging.charge_lines
    holding, release = threading.Event(), threading.Event()

    def charge_lines(locked, lines, *, now):
        if threading.current_thread().name == "run-1" and locked.pk == account.pk:
            holding.set()  # run 1 holds the account lock, its two lines not yet committed
            assert release.wait(timeout=20)
        return original(locked, lines, now=now)

    monkeypatch.setattr(settlement_charging, "charge_lines", charge_lines)

    def run():
        try:
            settlement.settle_push_postpaid(now=at("2026-11-04"))
        finally:
            connection.close()

    run_1 = threading.Thread(target=run, name="run-1")
    run_1.start()
    assert holding.wait(timeout=20)
    run_2 = threading.Thread(target=run, name="run-2")
    run_2.start()
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:  # wait until run 2 read its chunk and waits for the lock
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.02)
    release.set()
    run_1.join(timeout=30)
    run_2.join(timeout=30)

    lines = PostpaidBillLine.objects.filter(app=app, day__gte=dt.date(2026, 11, 1))
    assert sorted(lines.values_list("day", "charged_day_number", "amount")) == [
        (dt.date(2026, 11, 1), 179, Decimal("224.00")),
        (dt.date(2026, 11, 2), 180, Decimal("224.00")),
        (dt.date(2026, 11, 3), 181, Decimal("179.20")),
    ]


@pytest.mark.django_db
def test_a_late_run_still_auto_renews_a_subscription_that_expired_late_on_its_expiry_day():
    account = fund(AccountFactory(), cash="1600")
    app = PushAppFactory(account=account, access_point="guangzhou")
    push.buy_prepaid(
        acting=Acting(account=account, role=roles.OWNER),
        user=account.owner,
        app=app,
        capacity_wan=1,
        months=1,
        idempotency_key="late-buy",
        now=at("2026-11-01", 23, 58),
    )
    subscription = PushSubscription.objects.get(app=app)
    PushSubscription.objects.filter(pk=subscription.pk).update(auto_renew=True)
    run_due_jobs(now=at("2026-12-01", 23, 55))  # the last run before the expiry instant
    run_due_jobs(now=at("2026-12-02", 0, 0))  # the next beat, five minutes later: day 1
    subscription.refresh_from_db()
    assert subscription.expires_at == at("2027-01-01", 23, 58)
    assert not Notice.objects.filter(kind="push_expired").exists()


# --- duplicate verification events ----------------------------------------------------------
# tests/api/test_metering_api.py covers duplicates within a batch and across two batches, and
# that an invalid batch stores no event. These cover what it does not: duplicates racing on
# two connections, a replay after the day was settled, and that a refused batch also leaves
# packs, daily usage and notices alone.


def verification_batch(app, tickets, when):
    return [
        {"ticket": ticket, "app_id": app.captcha_app_id, "verified_at": when.isoformat()}
        for ticket in tickets
    ]


def postpaid_captcha_account():
    """A count pack bought (postpaid on) and used up: every new verification is overage."""
    account = fund(AccountFactory(), cash="3000")
    buy_captcha_pack(account, at("2026-11-01", 9))
    CaptchaPack.objects.filter(account=account).update(used=1_000_000)
    account.refresh_from_db()
    assert account.captcha_postpaid == "on"
    return account, CaptchaAppFactory(account=account)


@pytest.mark.django_db(transaction=True)
def test_the_same_tickets_ingested_concurrently_are_billed_once():
    account, app = postpaid_captcha_account()
    when = at("2026-11-02", 15)
    first = verification_batch(app, [f"t{n}" for n in range(0, 300)], when)
    second = verification_batch(app, [f"t{n}" for n in range(150, 450)], when)
    results = race(
        lambda: metering.ingest_verifications(account=account, events=first, now=when),
        lambda: metering.ingest_verifications(account=account, events=second, now=when),
    )
    assert not any(isinstance(result, Exception) for result in results), results
    assert sum(result.duplicates for result in results) == 150
    assert sum(result.overage for result in results) == 450
    assert VerificationEvent.objects.filter(account=account).count() == 450
    usage = CaptchaUsageDaily.objects.get(account=account)
    assert (usage.day, usage.verifications, usage.overage) == (dt.date(2026, 11, 2), 450, 450)
    run_due_jobs(now=at("2026-11-03", 8, 30))
    line = PostpaidBillLine.objects.get(account=account, app__isnull=True)
    assert (line.quantity, line.amount) == (450, Decimal("2.25"))
    account.refresh_from_db()
    assert account.cash_balance == Decimal("997.75")
    assert_balances_are_the_ledger(account)


@pytest.mark.django_db
def test_a_batch_replayed_after_its_day_was_settled_adds_no_charge():
    account, app = postpaid_captcha_account()
    when = at("2026-11-02", 15)
    batch = verification_batch(app, [f"r{n}" for n in range(1_000)], when)
    metering.ingest_verifications(account=account, events=batch, now=when)
    run_due_jobs(now=at("2026-11-03", 8, 30))
    replay = metering.ingest_verifications(
        account=account, events=batch + batch[:10], now=at("2026-11-03", 9)
    )
    assert (replay.received, replay.duplicates, replay.overage) == (1_010, 1_010, 0)
    run_due_jobs(now=at("2026-11-04", 8, 30))
    (line,) = PostpaidBillLine.objects.filter(account=account, app__isnull=True)
    assert (line.day, line.quantity, line.amount) == (dt.date(2026, 11, 2), 1_000, Decimal("5.00"))
    assert LedgerEntry.objects.filter(account=account, kind="postpaid_charge").count() == 1
    usage = CaptchaUsageDaily.objects.get(account=account)
    assert (usage.verifications, usage.overage) == (1_000, 1_000)


@pytest.mark.django_db
def test_a_refused_batch_leaves_packs_usage_and_notices_alone():
    account = fund(AccountFactory(), cash="100")
    captcha.claim_trial(acting=Acting(account=account, role=roles.OWNER), now=at("2026-11-01", 9))
    app = CaptchaAppFactory(account=account)
    when = at("2026-11-01", 10)
    tickets = [f"v{n}" for n in range(18_500)]
    metering.ingest_verifications(
        account=account, events=verification_batch(app, tickets[:9_500], when), now=when
    )
    # The next 9,000 would take the trial's 20,000 past 90%, but the last event is malformed.
    batch = verification_batch(app, tickets[9_500:], when)
    batch[-1] = {"ticket": "bad", "app_id": app.captcha_app_id, "verified_at": "yesterday"}
    with pytest.raises(BillingError, match=r"events\[8999\]\.verified_at"):
        metering.ingest_verifications(account=account, events=batch, now=when)
    assert VerificationEvent.objects.filter(account=account).count() == 9_500
    assert CaptchaPack.objects.get(account=account).used == 9_500
    usage = CaptchaUsageDaily.objects.get(account=account)
    assert (usage.verifications, usage.overage) == (9_500, 0)
    assert not Notice.objects.filter(account=account).exists()
    # The same events without the bad one go through, each counted once, and cross 90%.
    good = batch[:-1]
    result = metering.ingest_verifications(account=account, events=good + good[:5], now=when)
    assert (result.received, result.duplicates, result.from_packs) == (9_004, 5, 8_999)
    assert CaptchaPack.objects.get(account=account).used == 18_499
    assert list(Notice.objects.filter(account=account).values_list("kind", flat=True)) == [
        "captcha_usage_90"
    ]
