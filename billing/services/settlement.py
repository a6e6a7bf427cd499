"""Daily postpaid settlement of push DAU (SPEC.md §3 Postpaid, and arrears).

Every app-day is settled once: the bill line's unique constraint and the account row lock make a
re-run, a concurrent run or a run after a crash change nothing that was already settled.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, F, OuterRef

from billing import policy, pricing
from billing.days import billing_day, day_start
from billing.models import (
    ZERO,
    Account,
    CaptchaUsageDaily,
    LedgerEntry,
    PostpaidBillLine,
    Product,
    PushApp,
    PushDauDaily,
)

from .ledger import lock_account, post_entry


def push_settlement_through(now: dt.datetime) -> dt.date:
    """The last day whose push usage is due: yesterday once today's 06:00 has passed."""
    today = billing_day(now)
    settled_at = day_start(today) + dt.timedelta(hours=policy.PUSH_SETTLEMENT_HOUR)
    return today - dt.timedelta(days=1 if now >= settled_at else 2)


def unsettled_push_days(*, through_day: dt.date):
    """DAU reports of postpaid apps, from first enablement on, that have no bill line yet."""
    settled = PostpaidBillLine.objects.filter(
        app=OuterRef("app"), day=OuterRef("day"), adjusts__isnull=True
    )
    return (
        PushDauDaily.objects.filter(
            day__lte=through_day,
            app__billing_mode=PushApp.BillingMode.POSTPAID,
            app__postpaid_first_enabled_at__isnull=False,
        )
        .exclude(Exists(settled))
        .order_by("app_id", "day")
    )


def settle_push_postpaid(*, now: dt.datetime) -> int:
    """Settle every due, unsettled app-day in (app, day) order; returns how many were settled."""
    through_day = push_settlement_through(now)
    settled = 0
    for report_id, app_id, day in unsettled_push_days(through_day=through_day).values_list(
        "pk", "app_id", "day"
    ):
        app = PushApp.objects.select_related("account").get(pk=app_id)
        if day < billing_day(app.postpaid_first_enabled_at):
            continue  # a trial day before postpaid was enabled is not billed
        settled += settle_app_day(report_id=report_id, now=now)
    return settled


def settle_app_day(*, report_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        report = PushDauDaily.objects.select_related("app").get(pk=report_id)
        app = report.app
        account = lock_account(app.account_id)
        if PostpaidBillLine.objects.filter(app=app, day=report.day, adjusts__isnull=True).exists():
            return 0
        charged = pricing.postpaid_day_is_charged(dau=report.dau)
        # SPEC.md §3: only charged days count; the day billed counts; stops never reset it.
        day_number = charged_days(app) + 1 if charged else None
        quote = pricing.push_postpaid_day_quote(
            region=app.access_point, dau=report.dau, charged_day_number=day_number or 1
        )
        amount = ZERO if app.charity else quote.total
        line = PostpaidBillLine.objects.create(
            account=account,
            product=Product.objects.get(code=Product.Code.PUSH),
            app=app,
            day=report.day,
            quantity=report.dau,
            charged_day_number=day_number,
            unit_price=quote.lines[0].unit_price,
            discount_rate=quote.lines[0].discount_rate,
            amount=amount,
            breakdown=quote.as_dict()["lines"],
            created_at=now,
        )
        if amount > 0:
            charge(account=account, amount=amount, line=line, now=now)
    return 1


def charge(*, account: Account, amount: Decimal, line: PostpaidBillLine, now: dt.datetime) -> None:
    """Take a postpaid charge: gift credit first, then cash; what cash can't cover is debt."""
    gift = min(max(account.gift_balance, ZERO), amount)
    cash = amount - gift
    debt = max(cash - max(account.cash_balance, ZERO), ZERO)
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
    return (
        PostpaidBillLine.objects.filter(app=app, charged_day_number__isnull=False)
        .values("day")
        .distinct()
        .count()
    )


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
            breakdown=quote.as_dict()["lines"],
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
    through_day = captcha_settlement_through(now)
    due = CaptchaUsageDaily.objects.filter(day__lte=through_day, overage__gt=0).values_list(
        "pk", flat=True
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
        quote = pricing.captcha_overage_quote(verifications=unbilled)
        line = PostpaidBillLine.objects.create(
            account=account,
            product=Product.objects.get(code=Product.Code.CAPTCHA),
            day=usage.day,
            quantity=unbilled,
            unit_price=quote.lines[0].unit_price,
            amount=quote.total,
            breakdown=quote.as_dict()["lines"],
            adjusts=original,
            created_at=now,
        )
        if quote.total > 0:
            charge(account=account, amount=quote.total, line=line, now=now)
    return 1
