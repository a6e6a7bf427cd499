"""A DAU report raised after its day was billed becomes an adjustment line (SPEC.md §3)."""

import datetime as dt

from django.db import transaction
from django.db.models import F

from billing import pricing
from billing.models import (
    ZERO,
    PostpaidBillLine,
    PushDauDaily,
)

from ..ledger import lock_account
from .charging import charge
from .push import charged_days, push_settlement_through, stopped_all_day, stops_of


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
        if stopped_all_day(stops_of([app.pk]).get(app.pk, ()), line.day):
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
