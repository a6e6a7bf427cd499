"""Daily postpaid settlement of push DAU (SPEC.md §3 Postpaid, and arrears).

Every app-day is settled once: the bill line's unique constraint and the account row lock make a
re-run, a concurrent run or a run after a crash change nothing that was already settled.
"""

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from psycopg.types.json import Jsonb

from billing import policy, pricing
from billing.days import BILLING_TZ, billing_day, day_start
from billing.models import (
    ZERO,
    Account,
    CaptchaUsageDaily,
    LedgerEntry,
    PostpaidBillLine,
    Product,
    PushApp,
    PushAppStop,
    PushDauDaily,
)

from .ledger import lock_account, post_entries, post_entry


def push_settlement_through(now: dt.datetime) -> dt.date:
    """The last day whose push usage is due: yesterday once today's 06:00 has passed."""
    today = billing_day(now)
    settled_at = day_start(today) + dt.timedelta(hours=policy.PUSH_SETTLEMENT_HOUR)
    return today - dt.timedelta(days=1 if now >= settled_at else 2)


def unsettled_push_days(*, through_day: dt.date):
    """DAU reports of postpaid days (the current or last postpaid period) with no bill line yet."""
    settled = PostpaidBillLine.objects.filter(
        app=OuterRef("app"), day=OuterRef("day"), adjusts__isnull=True
    )
    return (
        PushDauDaily.objects.filter(
            # A trial or prepaid day before postpaid was enabled is not billed; nor is one after
            # support switched the app to prepaid (its last postpaid day is postpaid_until).
            Q(app__billing_mode=PushApp.BillingMode.POSTPAID)
            | Q(app__postpaid_until__isnull=False, day__lte=F("app__postpaid_until")),
            day__lte=through_day,
            app__postpaid_since__isnull=False,
            day__gte=TruncDate("app__postpaid_since", tzinfo=BILLING_TZ),
        )
        .exclude(Exists(settled))
        # Nothing is billed for the days after an app was destroyed or reclaimed.
        .exclude(
            app__destroyed_at__isnull=False,
            day__gt=TruncDate("app__destroyed_at", tzinfo=BILLING_TZ),
        )
        .order_by("app__account_id", "app_id", "day")
    )


CHUNK = 5_000


def settle_push_postpaid(*, now: dt.datetime) -> int:
    """Settle every due app-day: set-based, in chunks, one locked transaction per account.

    Reads stream in (account, app, day) order so memory stays flat whatever the number of
    apps; each account's lines and ledger entries are written in one batch. A crash leaves
    whole accounts settled or not, and a re-run (or a concurrent run, after the lock) skips
    what is already billed.
    """
    through_day = push_settlement_through(now)
    product = Product.objects.get(code=Product.Code.PUSH)
    settled = 0
    while True:
        chunk = list(
            unsettled_push_days(through_day=through_day).values_list(
                "app__account_id",
                "app_id",
                "day",
                "dau",
                "app__access_point",
                "app__charity",
            )[:CHUNK]
        )
        if not chunk:
            return settled
        counts = _charged_day_counts({row[1] for row in chunk})
        stops = _stops({row[1] for row in chunk})
        by_account: dict[int, list] = {}
        for row in chunk:
            by_account.setdefault(row[0], []).append(row)
        for account_id, rows in by_account.items():
            settled += _settle_account_days(
                account_id, rows, counts, stops, product=product, now=now
            )


def _charged_day_counts(app_ids) -> dict[int, int]:
    """Charged days billed so far per app: the loyalty day number of the next is one more."""
    return dict(
        PostpaidBillLine.objects.filter(app_id__in=app_ids, charged_day_number__isnull=False)
        .values("app_id")
        .annotate(days=Count("day", distinct=True))
        .values_list("app_id", "days")
    )


def _stops(app_ids) -> dict[int, list[tuple]]:
    """(started_at, ended_at or None) of each app's stops; few apps have any."""
    stops: dict[int, list[tuple]] = {}
    for app_id, started_at, ended_at in PushAppStop.objects.filter(app_id__in=app_ids).values_list(
        "app_id", "started_at", "ended_at"
    ):
        stops.setdefault(app_id, []).append((started_at, ended_at))
    return stops


def stopped_all_day(stops, day: dt.date) -> bool:
    """A stop covered the whole Asia/Shanghai day: nothing of it was usable, so nothing is due."""
    start, end = day_start(day), day_start(day + dt.timedelta(days=1))
    return any(
        started_at <= start and (ended_at is None or ended_at >= end)
        for started_at, ended_at in stops
    )


def _settle_account_days(account_id, rows, counts, stops, *, product, now) -> int:
    with transaction.atomic():
        account = lock_account(account_id)
        done = set(
            PostpaidBillLine.objects.filter(
                app_id__in={row[1] for row in rows},
                day__in={row[2] for row in rows},
                adjusts__isnull=True,
            ).values_list("app_id", "day")
        )
        if done:
            # An overlapping run billed some of these days after the chunk was read. Runs go in
            # the same (account, app, day) order, so anything it billed for these apps shows up
            # here; its loyalty days must count, so read the counts again, under the lock.
            counts.update(_charged_day_counts({row[1] for row in rows}))
        lines = []
        for _account, app_id, day, dau, region, charity in rows:
            if (app_id, day) in done:
                continue
            stopped = stopped_all_day(stops.get(app_id, ()), day)
            number = None
            if not stopped and pricing.postpaid_day_is_charged(dau=dau):
                # SPEC.md §3: only charged days count; the day billed counts; never reset.
                counts[app_id] = number = counts.get(app_id, 0) + 1
            quote = pricing.push_postpaid_day_quote(
                region=region, dau=dau, charged_day_number=number or 1
            )
            if stopped:
                # A day wholly inside a stop (arrears) is not charged and not counted.
                breakdown = [
                    {
                        "label": "Service stopped all day: not charged",
                        "subtotal": "0",
                        "code": "push_postpaid_stopped",
                        "args": {},
                    }
                ]
                lines.append((app_id, day, dau, None, quote, ZERO, breakdown))
            else:
                amount = ZERO if charity else quote.total
                lines.append((app_id, day, dau, number, quote, amount, quote.stored_lines()))
        if lines:
            created = _insert_lines(account, product, lines, now=now)
            charged = [line for line in created if line[3] > 0]
            if charged:
                _charge_lines(account, charged, now=now)
    return len(lines)


def _insert_lines(account, product, lines, *, now) -> list[tuple]:
    """One INSERT for the account's app-days; returns (id, app_id, day, amount) in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO billing_postpaidbillline
                (account_id, product_id, app_id, day, quantity, charged_day_number, unit_price,
                 discount_rate, amount, debt_amount, breakdown, created_at)
            SELECT %s, %s, a, d, q, n, u, r, m, 0, b, %s
            FROM unnest(%s::bigint[], %s::date[], %s::bigint[], %s::int[], %s::numeric[],
                        %s::numeric[], %s::numeric[], %s::jsonb[])
                 WITH ORDINALITY AS l(a, d, q, n, u, r, m, b, i)
            ORDER BY i
            RETURNING id, app_id, day, amount
            """,
            [
                account.pk,
                product.pk,
                now,
                [line[0] for line in lines],
                [line[1] for line in lines],
                [line[2] for line in lines],
                [line[3] for line in lines],
                [line[4].lines[0].unit_price for line in lines],
                [line[4].lines[0].discount_rate for line in lines],
                [line[5] for line in lines],
                [Jsonb(line[6]) for line in lines],
            ],
        )
        return cursor.fetchall()


def _charge_lines(account: Account, lines: list[tuple], *, now) -> None:
    """Gift credit first, then cash; what cash cannot cover is recorded as debt (arrears)."""
    entries, debts = [], {}
    gift_left, cash_left = max(account.gift_balance, ZERO), max(account.cash_balance, ZERO)
    for line_id, _app_id, day, amount in lines:
        gift, cash, debt = _split_charge(amount, gift_left=gift_left, cash_left=cash_left)
        gift_left, cash_left = gift_left - gift, max(cash_left - cash, ZERO)
        if debt:
            debts[line_id] = debt
        entries.append(
            {
                "kind": LedgerEntry.Kind.POSTPAID_CHARGE,
                "cash": -cash,
                "gift": -gift,
                "bill_line_id": line_id,
                "memo": f"Postpaid {day:%Y-%m-%d}",
            }
        )
    post_entries(account=account, entries=entries, at=now)
    for line_id, debt in debts.items():
        PostpaidBillLine.objects.filter(pk=line_id).update(debt_amount=debt)
    if debts:
        from .arrears import enter_arrears

        enter_arrears(account=account, now=now)


def _split_charge(amount: Decimal, *, gift_left: Decimal, cash_left: Decimal) -> tuple:
    """(gift, cash, debt) of a postpaid charge: gift credit first, then cash; what the cash left
    cannot cover is debt (the cash part still includes it)."""
    gift = min(gift_left, amount)
    cash = amount - gift
    return gift, cash, max(cash - cash_left, ZERO)


def charge(*, account: Account, amount: Decimal, line: PostpaidBillLine, now: dt.datetime) -> None:
    """Take a postpaid charge: gift credit first, then cash; what cash can't cover is debt."""
    gift, cash, debt = _split_charge(
        amount,
        gift_left=max(account.gift_balance, ZERO),
        cash_left=max(account.cash_balance, ZERO),
    )
    post_entry(
        account=account,
        kind=LedgerEntry.Kind.POSTPAID_CHARGE,
        cash=-cash,
        gift=-gift,
        bill_line=line,
        memo=f"Postpaid {line.day:%Y-%m-%d} {line.app or ''}".strip(),
    )
    if debt > 0:
        PostpaidBillLine.objects.filter(pk=line.pk).update(debt_amount=F("debt_amount") + debt)
        from .arrears import enter_arrears

        enter_arrears(account=account, now=now)


def charged_days(app: PushApp) -> int:
    """Charged days so far: days, not lines (an adjustment line does not add a day)."""
    return _charged_day_counts([app.pk]).get(app.pk, 0)


def settle_push_adjustments(*, now: dt.datetime) -> int:
    """A DAU report that raised an already settled day is billed as an adjustment line."""
    through_day = push_settlement_through(now)
    raised = PostpaidBillLine.objects.filter(
        app__isnull=False,
        adjusts__isnull=True,
        day__lte=through_day,
        app__dau__day=F("day"),
        app__dau__dau__gt=F("quantity"),
    ).values_list("pk", flat=True)
    return sum(_adjust_push_line(line_id=line_id, now=now) for line_id in raised)


def _adjust_push_line(*, line_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        line = PostpaidBillLine.objects.select_related("app").get(pk=line_id)
        account = lock_account(line.account_id)
        app = line.app
        dau = PushDauDaily.objects.get(app=app, day=line.day).dau
        if stopped_all_day(_stops([app.pk]).get(app.pk, ()), line.day):
            return 0  # a later report does not make a wholly stopped day billable
        billed = line.amount + sum(a.amount for a in line.adjustments.all())
        number = line.charged_day_number
        if number is None and pricing.postpaid_day_is_charged(dau=dau):
            number = charged_days(app) + 1
        quote = pricing.push_postpaid_day_quote(
            region=app.access_point, dau=dau, charged_day_number=number or 1
        )
        correct = ZERO if app.charity else quote.total
        billed_dau = max([line.quantity, *(a.quantity for a in line.adjustments.all())])
        if correct <= billed or dau <= billed_dau:
            return 0
        adjustment = PostpaidBillLine.objects.create(
            account=account,
            product=line.product,
            app=app,
            day=line.day,
            quantity=dau,
            charged_day_number=number,
            unit_price=quote.lines[0].unit_price,
            discount_rate=quote.lines[0].discount_rate,
            amount=correct - billed,
            breakdown=quote.stored_lines(),
            adjusts=line,
            created_at=now,
        )
        charge(account=account, amount=adjustment.amount, line=adjustment, now=now)
    return 1


def captcha_settlement_through(now: dt.datetime) -> dt.date:
    """CAPTCHA overage: the day's total is charged the next day from 08:00 (SPEC.md §2)."""
    today = billing_day(now)
    settled_at = day_start(today) + dt.timedelta(hours=policy.CAPTCHA_SETTLEMENT_HOUR)
    return today - dt.timedelta(days=1 if now >= settled_at else 2)


def settle_captcha_overage(*, now: dt.datetime) -> int:
    """Bill each day whose overage is not fully billed yet (one set-based read, not a scan)."""
    through_day = captcha_settlement_through(now)
    billed = (
        PostpaidBillLine.objects.filter(
            account=OuterRef("account"),
            product__code=Product.Code.CAPTCHA,
            app__isnull=True,
            day=OuterRef("day"),
        )
        .values("day")
        .annotate(quantity=Sum("quantity"))
        .values("quantity")
    )
    due = (
        CaptchaUsageDaily.objects.filter(day__lte=through_day, overage__gt=0)
        .annotate(billed=Coalesce(Subquery(billed), 0))
        .filter(overage__gt=F("billed"))
        .values_list("pk", flat=True)
    )
    return sum(_settle_captcha_day(usage_id=usage_id, now=now) for usage_id in due)


def _settle_captcha_day(*, usage_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        usage = CaptchaUsageDaily.objects.get(pk=usage_id)
        account = lock_account(usage.account_id)
        lines = PostpaidBillLine.objects.filter(
            account=account, product__code=Product.Code.CAPTCHA, app__isnull=True, day=usage.day
        )
        original = lines.filter(adjusts__isnull=True).first()
        billed_quantity = sum(line.quantity for line in lines)
        unbilled = usage.overage - billed_quantity
        if unbilled <= 0:
            return 0
        # SPEC.md §2: the day's total is rounded once. A late event adds what the whole day now
        # costs minus what was already billed, never a separately rounded amount.
        day_quote = pricing.captcha_overage_quote(verifications=usage.overage)
        billed_amount = sum((line.amount for line in lines), ZERO)
        amount = day_quote.total - billed_amount
        breakdown = day_quote.stored_lines()
        if billed_amount:
            breakdown.append(
                {
                    "label": "Already billed for this day",
                    "subtotal": f"-{billed_amount}",
                    "code": "captcha_already_billed",
                    "args": {},
                }
            )
        line = PostpaidBillLine.objects.create(
            account=account,
            product=Product.objects.get(code=Product.Code.CAPTCHA),
            day=usage.day,
            quantity=unbilled,
            unit_price=day_quote.lines[0].unit_price,
            amount=amount,
            breakdown=breakdown,
            adjusts=original,
            created_at=now,
        )
        if amount > 0:
            charge(account=account, amount=amount, line=line, now=now)
    return 1
