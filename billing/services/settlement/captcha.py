"""Daily CAPTCHA postpaid overage settlement (SPEC.md §2)."""

import datetime as dt

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from billing import policy, pricing
from billing.days import billing_day, day_start
from billing.models import (
    ZERO,
    CaptchaUsageDaily,
    PostpaidBillLine,
    Product,
)

from ..ledger import lock_account
from .charging import charge


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
