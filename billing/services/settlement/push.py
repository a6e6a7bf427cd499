"""Daily postpaid settlement of push DAU (SPEC.md §3 Postpaid, and arrears).

Every app-day is settled once: the bill line's unique constraint and the account row lock make a
re-run, a concurrent run or a run after a crash change nothing that was already settled.
"""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from psycopg.types.json import Jsonb

from billing import policy, pricing
from billing.days import BILLING_TZ, billing_day, day_start
from billing.models import (
    ZERO,
    PostpaidBillLine,
    Product,
    PushApp,
    PushAppStop,
    PushDauDaily,
)

from ..ledger import lock_account
from . import charging


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
        stops = stops_of({row[1] for row in chunk})
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


def stops_of(app_ids) -> dict[int, list[tuple]]:
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
                charging.charge_lines(account, charged, now=now)
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


def charged_days(app: PushApp) -> int:
    """Charged days so far: days, not lines (an adjustment line does not add a day)."""
    return _charged_day_counts([app.pk]).get(app.pk, 0)
