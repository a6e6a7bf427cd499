"""Prices, fees and refunds of SPEC.md §2 and §3 as pure functions.

No ORM, no settings, no clock: every date, day number and amount is an argument, so the same
call always gives the same answer and the console, the admin, the daily jobs and the `quote`
command agree to the fen.

Every rate of the SPEC lives in the tables below; change a rule there, not in the functions.
Money is Decimal throughout. Each bill line, order total and refund is rounded to the fen
half-up exactly once, by `to_fen`, at the end of its own computation (SPEC.md conventions).
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from billing.days import add_months
from billing.errors import BillingError


class PricingError(BillingError, ValueError):
    """The inputs cannot be priced. The message is one line, fit to show to a person."""


FEN = Decimal("0.01")
ZERO = Decimal("0.00")
NO_DISCOUNT = Decimal("1")


def to_fen(amount: Decimal) -> Decimal:
    """The one rounding rule of the code base: to 0.01, half-up."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


# --- Rate tables (SPEC.md §2 and §3) ---------------------------------------------------------


class Region(StrEnum):
    """Mobile push service access points: the one list (billing.models.AccessPoint labels them)."""

    GUANGZHOU = "guangzhou"
    SHANGHAI = "shanghai"
    HONGKONG = "hongkong"
    SINGAPORE = "singapore"


class DurationBand(StrEnum):
    """The columns of the overseas discount table."""

    MONTHS_1_TO_5 = "1-5 months"
    MONTHS_6_TO_11 = "6-11 months"
    ONE_YEAR = "1 year"
    TWO_YEARS = "2 years"


# Durations for sale: 1-11 months, 1 year, 2 years.
DURATION_BAND_BY_MONTHS: Mapping[int, DurationBand] = {
    **dict.fromkeys(range(1, 6), DurationBand.MONTHS_1_TO_5),
    **dict.fromkeys(range(6, 12), DurationBand.MONTHS_6_TO_11),
    12: DurationBand.ONE_YEAR,
    24: DurationBand.TWO_YEARS,
}
ALLOWED_MONTHS: tuple[int, ...] = tuple(DURATION_BAND_BY_MONTHS)

# Fraction of the list price paid ("90%" = 0.90), by capacity band then duration band.
# Rows are (smallest capacity in 万 of the band, rates), largest band first.
CapacityDiscounts = tuple[tuple[int, Mapping[DurationBand, Decimal]], ...]

_UNDISCOUNTED: Mapping[DurationBand, Decimal] = dict.fromkeys(DurationBand, NO_DISCOUNT)
DOMESTIC_PREPAID_DISCOUNTS: CapacityDiscounts = ((1, _UNDISCOUNTED),)
OVERSEAS_PREPAID_DISCOUNTS: CapacityDiscounts = (
    (
        200,
        {
            DurationBand.MONTHS_1_TO_5: Decimal("0.70"),
            DurationBand.MONTHS_6_TO_11: Decimal("0.65"),
            DurationBand.ONE_YEAR: Decimal("0.60"),
            DurationBand.TWO_YEARS: Decimal("0.50"),
        },
    ),
    (
        50,
        {
            DurationBand.MONTHS_1_TO_5: Decimal("0.90"),
            DurationBand.MONTHS_6_TO_11: Decimal("0.80"),
            DurationBand.ONE_YEAR: Decimal("0.65"),
            DurationBand.TWO_YEARS: Decimal("0.60"),
        },
    ),
    (1, _UNDISCOUNTED),
)


@dataclass(frozen=True)
class RegionRates:
    name: str
    prepaid_per_wan_month: Decimal  # ¥ per 1万 DAU peak per month
    prepaid_discounts: CapacityDiscounts
    postpaid_fixed_day: Decimal  # ¥ per day for DAU 1,001-10,000
    postpaid_per_dau_day: Decimal  # ¥ per DAU per day above 10,000


_DOMESTIC = {
    "prepaid_per_wan_month": Decimal("800"),
    "prepaid_discounts": DOMESTIC_PREPAID_DISCOUNTS,
    "postpaid_fixed_day": Decimal("32"),
    "postpaid_per_dau_day": Decimal("0.0032"),
}
_OVERSEAS = {
    "prepaid_per_wan_month": Decimal("400"),
    "prepaid_discounts": OVERSEAS_PREPAID_DISCOUNTS,
    "postpaid_fixed_day": Decimal("15.2"),
    "postpaid_per_dau_day": Decimal("0.00152"),
}
REGION_RATES: Mapping[Region, RegionRates] = {
    Region.GUANGZHOU: RegionRates(name="Guangzhou", **_DOMESTIC),
    Region.SHANGHAI: RegionRates(name="Shanghai", **_DOMESTIC),
    Region.HONGKONG: RegionRates(name="Hong Kong", **_OVERSEAS),
    Region.SINGAPORE: RegionRates(name="Singapore", **_OVERSEAS),
}
REGIONS: tuple[str, ...] = tuple(region.value for region in Region)

DAU_PER_WAN = 10_000
POSTPAID_FREE_DAU_MAX = 1_000  # a day at or below this is free and is not a charged day
POSTPAID_FIXED_DAU_MAX = 10_000  # above this the day is priced per DAU

# Postpaid loyalty discount by charged-day number: (first day number of the band, rate),
# latest band first. Applies to every access point (SPEC.md §3 Decision).
POSTPAID_LOYALTY_DISCOUNTS: tuple[tuple[int, Decimal], ...] = (
    (721, Decimal("0.60")),
    (361, Decimal("0.65")),
    (181, Decimal("0.80")),
    (1, NO_DISCOUNT),
)

CAPTCHA_OVERAGE_PER_VERIFICATION = Decimal("0.005")

# Upgrade fee: (new − old monthly price) × remaining days ÷ (365 ÷ 12).
UPGRADE_DAYS_PER_YEAR = 365
MONTHS_PER_YEAR = 12
# Normal refund: the partial month left over is pro rata over a 30-day month.
REFUND_DAYS_PER_MONTH = 30


# --- Results ---------------------------------------------------------------------------------


def _plain(amount: Decimal) -> str:
    return format(amount, "f")


@dataclass(frozen=True)
class QuoteLine:
    """One line of a price breakdown.

    discount_rate is the fraction of the list price paid (1 = no discount, 0.80 = "80%").
    subtotal is rounded once: to_fen(unit_price × quantity × discount_rate), except on an
    upgrade line, where unit_price is the daily price difference (shown to 5 places), quantity
    the remaining days, and subtotal the SPEC.md fee formula named in the label.

    label is English; code and args say the same thing as data, so a reader's language can be
    used on display (the console translates them; stored_lines() keeps them on the order).
    """

    label: str
    unit_price: Decimal
    quantity: Decimal
    discount_rate: Decimal
    subtotal: Decimal
    code: str = ""
    args: tuple[tuple[str, str | int], ...] = ()

    def as_dict(self) -> dict[str, str]:
        return {
            "label": self.label,
            "unit_price": _plain(self.unit_price),
            "quantity": _plain(self.quantity),
            "discount_rate": _plain(self.discount_rate),
            "subtotal": _plain(to_fen(self.subtotal)),
        }


@dataclass(frozen=True)
class Quote:
    total: Decimal
    lines: tuple[QuoteLine, ...]

    def as_dict(self) -> dict:
        return {
            "total": _plain(to_fen(self.total)),
            "lines": [line.as_dict() for line in self.lines],
        }

    def stored_lines(self) -> list[dict]:
        """The breakdown as an order or bill line keeps it: as_dict() plus code and args."""
        return [
            {**line.as_dict(), "code": line.code, "args": dict(line.args)} for line in self.lines
        ]


def _quote(*lines: QuoteLine) -> Quote:
    # Lines are already fen-exact, so their sum is too: the total is not rounded again.
    return Quote(total=sum((line.subtotal for line in lines), ZERO), lines=lines)


@dataclass(frozen=True)
class PaidOrder:
    """How one prepaid order was paid; the order records each part (SPEC.md §1 Decision)."""

    cash: Decimal
    gift: Decimal
    voucher: Decimal = ZERO


@dataclass(frozen=True)
class Refund:
    """What goes back, split into cash and gift credit (vouchers never come back).

    amount = to_fen(max(0, paid − consumed)), rounded once; `consumed` is shown rounded to the
    fen, so in a half-fen case paid − consumed can differ from amount by 0.01.
    """

    amount: Decimal
    cash: Decimal
    gift: Decimal
    paid: Decimal  # cash + gift of every order refunded
    consumed: Decimal
    whole_months_used: int = 0
    leftover_days_used: int = 0

    def as_dict(self) -> dict:
        return {
            "total": _plain(to_fen(self.amount)),
            "cash": _plain(to_fen(self.cash)),
            "gift": _plain(to_fen(self.gift)),
            "paid": _plain(to_fen(self.paid)),
            "consumed": _plain(to_fen(self.consumed)),
            "whole_months_used": self.whole_months_used,
            "leftover_days_used": self.leftover_days_used,
        }


# --- Input checks ----------------------------------------------------------------------------


def _region(value: str) -> Region:
    try:
        return Region(value)
    except ValueError:
        raise PricingError(
            f"Unknown access point {value!r}; choose one of {', '.join(REGIONS)}."
        ) from None


# Sanity bounds far beyond any real order; they keep every product within Decimal's default
# 28 significant digits, so to_fen never fails on absurd input.
LARGEST_WHOLE_NUMBER = 10**10
LARGEST_AMOUNT = Decimal(10**13)


def _whole_number(value: int, *, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PricingError(f"{name} must be a whole number (got {value!r}).")
    if value < 0 <= minimum:
        raise PricingError(f"{name} cannot be negative (got {value:,}).")
    if value < minimum:
        raise PricingError(f"{name} must be at least {minimum:,} (got {value:,}).")
    if value > LARGEST_WHOLE_NUMBER:
        raise PricingError(f"{name} must be at most {LARGEST_WHOLE_NUMBER:,} (got {value:,}).")
    return value


def _money(value: Decimal, *, name: str, whole_fen: bool = True) -> Decimal:
    """A non-negative amount; amounts that were paid or charged are whole fen."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise PricingError(f"{name} must be a Decimal amount (got {value!r}).")
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise PricingError(f"{name} must be a non-negative amount (got {value}).")
    if amount > LARGEST_AMOUNT:
        raise PricingError(f"{name} must be at most ¥{LARGEST_AMOUNT:,} (got ¥{amount:,}).")
    if whole_fen and amount != to_fen(amount):
        raise PricingError(f"{name} must be whole fen (got {amount}).")
    return amount


def _date(value: dt.date, *, name: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise PricingError(f"{name} must be an Asia/Shanghai calendar date (got {value!r}).")
    return value


def duration_band(months: int) -> DurationBand:
    """The discount column of a duration; only 1-11, 12 and 24 months are for sale."""
    _whole_number(months, name="Duration in months", minimum=1)
    try:
        return DURATION_BAND_BY_MONTHS[months]
    except KeyError:
        raise PricingError(
            f"A duration must be 1 to 11 months, 12 or 24 months (got {months})."
        ) from None


# --- Mobile push: prepaid (SPEC.md §3) -------------------------------------------------------


def capacity_wan_for_dau(dau: int) -> int:
    """A DAU peak in whole 万, rounded up, at least 1万 (0 → 1, 10,000 → 1, 15,000 → 2)."""
    _whole_number(dau, name="DAU", minimum=0)
    return max(1, -(-dau // DAU_PER_WAN))


def prepaid_discount_rate(*, region: str, capacity_wan: int, months: int) -> Decimal:
    """The fraction of list price paid, read off the rounded capacity and the duration band."""
    rates = REGION_RATES[_region(region)]
    _whole_number(capacity_wan, name="Capacity in 万", minimum=1)
    band = duration_band(months)
    for smallest_capacity_wan, rate_by_band in rates.prepaid_discounts:
        if capacity_wan >= smallest_capacity_wan:
            return rate_by_band[band]
    raise AssertionError("every discount table has a row starting at 1万")  # pragma: no cover


def push_monthly_price(*, region: str, capacity_wan: int, months: int) -> Decimal:
    """One month of a configuration with the discount its duration band earns; unrounded.

    Upgrade fees and refunds start from this (SPEC.md §3 Upgrade Decision, Refunds).
    """
    rate = prepaid_discount_rate(region=region, capacity_wan=capacity_wan, months=months)
    return capacity_wan * REGION_RATES[Region(region)].prepaid_per_wan_month * rate


def push_prepaid_quote(*, region: str, capacity_wan: int, months: int) -> Quote:
    """Total = capacity in 万 × unit price × months × discount, rounded once."""
    rate = prepaid_discount_rate(region=region, capacity_wan=capacity_wan, months=months)
    rates = REGION_RATES[Region(region)]
    quantity = Decimal(capacity_wan * months)
    return _quote(
        QuoteLine(
            label=(
                f"Mobile push prepaid, {rates.name}: {capacity_wan:,}万 DAU peak "
                f"× {months} {months_word(months)}"
            ),
            code="push_prepaid",
            args=(("region", region), ("capacity", capacity_wan), ("months", months)),
            unit_price=rates.prepaid_per_wan_month,
            quantity=quantity,
            discount_rate=rate,
            subtotal=to_fen(rates.prepaid_per_wan_month * quantity * rate),
        )
    )


def push_upgrade_quote(
    *,
    region: str,
    from_capacity_wan: int,
    to_capacity_wan: int,
    months: int,
    remaining_days: int,
) -> Quote:
    """Fee = (new − old monthly price) × remaining days ÷ (365 ÷ 12), rounded once; never < 0.

    Both monthly prices use the duration band of the subscription's original order (`months`),
    each at its own capacity band. A higher capacity can cost less a month (overseas band
    edges), so a negative difference gives ¥0.00. There is no downgrade.
    """
    _whole_number(from_capacity_wan, name="Current capacity in 万", minimum=1)
    _whole_number(to_capacity_wan, name="New capacity in 万", minimum=1)
    if to_capacity_wan < from_capacity_wan:
        raise PricingError(
            f"There is no downgrade: {to_capacity_wan:,}万 is below the current "
            f"{from_capacity_wan:,}万."
        )
    _whole_number(remaining_days, name="Remaining days", minimum=0)
    old_monthly = push_monthly_price(region=region, capacity_wan=from_capacity_wan, months=months)
    new_monthly = push_monthly_price(region=region, capacity_wan=to_capacity_wan, months=months)
    difference = max(new_monthly - old_monthly, ZERO)
    # Multiply before the one division so nothing is rounded before to_fen.
    fee = to_fen(difference * remaining_days * MONTHS_PER_YEAR / UPGRADE_DAYS_PER_YEAR)
    return _quote(
        QuoteLine(
            label=(
                f"Mobile push upgrade, {REGION_RATES[Region(region)].name}: "
                f"{from_capacity_wan:,}万 → {to_capacity_wan:,}万 DAU peak "
                f"({duration_band(months)} band), monthly price difference "
                f"× {remaining_days} days ÷ (365 ÷ 12)"
            ),
            code="push_upgrade",
            args=(
                ("region", region),
                ("from", from_capacity_wan),
                ("to", to_capacity_wan),
                ("band", str(duration_band(months))),
                ("days", remaining_days),
            ),
            # Shown per day so that unit price × days reads as the fee (to within a fen: the
            # daily price is shown to 5 places; the fee is computed exactly and rounded once).
            unit_price=(difference * MONTHS_PER_YEAR / UPGRADE_DAYS_PER_YEAR).quantize(
                Decimal("0.00001"), ROUND_HALF_UP
            ),
            quantity=Decimal(remaining_days),
            discount_rate=NO_DISCOUNT,
            subtotal=fee,
        )
    )


def months_word(months: int) -> str:
    return "month" if months == 1 else "months"


# --- Mobile push: postpaid (SPEC.md §3) ------------------------------------------------------


def postpaid_day_is_charged(*, dau: int) -> bool:
    """A day at or below 1,000 DAU is free and does not count towards the loyalty day number."""
    _whole_number(dau, name="DAU", minimum=0)
    return dau > POSTPAID_FREE_DAU_MAX


def postpaid_loyalty_rate(*, charged_day_number: int) -> Decimal:
    """The day being billed counts: the 181st charged day is the first at 80%."""
    _whole_number(charged_day_number, name="Charged day number", minimum=1)
    for first_day_number, rate in POSTPAID_LOYALTY_DISCOUNTS:
        if charged_day_number >= first_day_number:
            return rate
    raise AssertionError("the loyalty table has a row starting at day 1")  # pragma: no cover


def push_postpaid_day_quote(*, region: str, dau: int, charged_day_number: int) -> Quote:
    """One app's day: free ≤ 1,000 DAU, fixed to 10,000, per DAU above; loyalty discount."""
    rates = REGION_RATES[_region(region)]
    rate = postpaid_loyalty_rate(charged_day_number=charged_day_number)
    if not postpaid_day_is_charged(dau=dau):
        return _quote(
            QuoteLine(
                label=f"Mobile push postpaid, {rates.name}: DAU {dau:,} (up to 1,000 is free)",
                code="push_postpaid_free",
                args=(("region", region), ("dau", dau)),
                unit_price=ZERO,
                quantity=Decimal(dau),
                discount_rate=NO_DISCOUNT,
                subtotal=ZERO,
            )
        )
    day_label = f"Mobile push postpaid, {rates.name}, charged day {charged_day_number:,}"
    if dau <= POSTPAID_FIXED_DAU_MAX:
        unit_price, quantity = rates.postpaid_fixed_day, Decimal(1)
        label = f"{day_label}: DAU {dau:,} (1,001-10,000, fixed price)"
        code = "push_postpaid_fixed"
    else:
        unit_price, quantity = rates.postpaid_per_dau_day, Decimal(dau)
        label = f"{day_label}: DAU {dau:,} (above 10,000, per DAU)"
        code = "push_postpaid_per_dau"
    return _quote(
        QuoteLine(
            label=label,
            code=code,
            args=(("region", region), ("day", charged_day_number), ("dau", dau)),
            unit_price=unit_price,
            quantity=quantity,
            discount_rate=rate,
            subtotal=to_fen(unit_price * quantity * rate),
        )
    )


# --- CAPTCHA (SPEC.md §2) --------------------------------------------------------------------


def captcha_overage_quote(*, verifications: int) -> Quote:
    """Verifications after the formal packs ran out, with postpaid on: ¥0.005 each."""
    _whole_number(verifications, name="Verifications", minimum=0)
    quantity = Decimal(verifications)
    return _quote(
        QuoteLine(
            label=f"CAPTCHA postpaid: {verifications:,} verifications",
            code="captcha_overage",
            args=(("count", verifications),),
            unit_price=CAPTCHA_OVERAGE_PER_VERIFICATION,
            quantity=quantity,
            discount_rate=NO_DISCOUNT,
            subtotal=to_fen(CAPTCHA_OVERAGE_PER_VERIFICATION * quantity),
        )
    )


def captcha_pack_quote(
    *, label: str, price: Decimal, verifications: int, kind: str = "count"
) -> Quote:
    """A pack at its catalogue price, in the same breakdown shape as every other quote."""
    price = _money(price, name="Pack price")
    _whole_number(verifications, name="Pack verifications", minimum=1)
    if not isinstance(label, str) or not label.strip():
        raise PricingError("A pack needs a label.")
    return _quote(
        QuoteLine(
            label=label,
            code="captcha_pack",
            args=(("kind", kind), ("count", verifications)),
            unit_price=price,
            quantity=Decimal(1),
            discount_rate=NO_DISCOUNT,
            subtotal=to_fen(price),
        )
    )


# --- Paying (SPEC.md §1) -------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentSplit:
    voucher: Decimal
    gift: Decimal
    cash: Decimal
    # Cash still missing after the balance (0 when it is enough).
    shortfall: Decimal


def payment_split(
    *, total: Decimal, voucher_amount: Decimal, gift_balance: Decimal, cash_balance: Decimal
) -> PaymentSplit:
    """Voucher first, then gift credit, then cash (SPEC.md §1 Decision). The checkout's preview
    and the payment under the account lock both call this; neither splits on its own."""
    voucher = min(voucher_amount, total)
    rest = total - voucher
    gift = min(max(gift_balance, ZERO), rest)
    cash = rest - gift
    return PaymentSplit(
        voucher=voucher, gift=gift, cash=cash, shortfall=max(cash - max(cash_balance, ZERO), ZERO)
    )


# --- Refunds (SPEC.md §2 Refund, §3 Refunds) -------------------------------------------------


def split_refund(
    *, amount: Decimal, paid_cash: Decimal, paid_gift: Decimal
) -> tuple[Decimal, Decimal]:
    """(cash, gift) in the proportion paid; they always sum exactly to amount.

    Cash is rounded half-up and gift credit takes the remainder, so neither is negative and
    neither exceeds what was paid that way.
    """
    amount = _money(amount, name="Refund amount")
    paid_cash = _money(paid_cash, name="Cash paid")
    paid_gift = _money(paid_gift, name="Gift credit paid")
    paid = paid_cash + paid_gift
    if amount > paid:
        raise PricingError(f"Cannot refund ¥{amount} of ¥{paid} paid in cash and gift credit.")
    if amount == 0:
        return ZERO, ZERO
    cash = to_fen(amount * paid_cash / paid)
    return cash, amount - cash


def five_day_refund(*, paid_cash: Decimal, paid_gift: Decimal, paid_voucher: Decimal) -> Refund:
    """The five-day no-reason refund (and an unused CAPTCHA pack): all but the voucher part."""
    paid_cash = _money(paid_cash, name="Cash paid")
    paid_gift = _money(paid_gift, name="Gift credit paid")
    _money(paid_voucher, name="Voucher paid")
    amount = to_fen(paid_cash + paid_gift)
    return Refund(
        amount=amount, cash=to_fen(paid_cash), gift=to_fen(paid_gift), paid=amount, consumed=ZERO
    )


def calendar_months_elapsed(*, start: dt.date, on: dt.date) -> tuple[int, int]:
    """(whole calendar months, leftover days) from start to on.

    A whole month has elapsed when on reaches add_months(start, n); the leftover days are
    counted from that date. The start day itself is not a used day: a refund on the start day
    has used 0 days, ten days later 10 days.
    """
    start = _date(start, name="Start date")
    on = _date(on, name="Refund date")
    if on < start:
        raise PricingError(f"The refund date {on} is before the start date {start}.")
    whole_months = (on.year - start.year) * 12 + on.month - start.month
    if add_months(start, whole_months) > on:
        whole_months -= 1
    return whole_months, (on - add_months(start, whole_months)).days


def push_normal_refund(
    *,
    current_order: PaidOrder,
    not_started_orders: Sequence[PaidOrder] = (),
    monthly_price: Decimal,
    months: int,
    start: dt.date,
    on: dt.date,
) -> Refund:
    """SPEC.md §3 normal refund of a prepaid subscription, on the Asia/Shanghai day `on`.

    refund = current order's paid + not-yet-started orders' paid − consumed, floored at ¥0,
    vouchers excluded ("paid" is cash + gift credit); rounded once.
    consumed = whole calendar months since the current order's `start` × monthly_price
    + leftover days × monthly_price ÷ 30, capped at the order's own period
    (months × monthly_price). monthly_price is push_monthly_price() of the configuration.
    Cash and gift credit come back in the proportion paid across the refunded orders.
    """
    orders = (current_order, *not_started_orders)
    for order in orders:
        if not isinstance(order, PaidOrder):
            raise PricingError(f"Orders are described by PaidOrder (got {order!r}).")
        _money(order.voucher, name="Voucher paid")
    paid_cash = sum((_money(order.cash, name="Cash paid") for order in orders), ZERO)
    paid_gift = sum((_money(order.gift, name="Gift credit paid") for order in orders), ZERO)
    monthly_price = _money(monthly_price, name="Monthly price", whole_fen=False)
    duration_band(months)
    whole_months, leftover_days = calendar_months_elapsed(start=start, on=on)
    if whole_months >= months:
        whole_months, leftover_days = months, 0
    consumed = min(
        monthly_price * whole_months + monthly_price * leftover_days / REFUND_DAYS_PER_MONTH,
        monthly_price * months,
    )
    paid = paid_cash + paid_gift
    amount = to_fen(max(paid - consumed, ZERO))
    cash, gift = split_refund(amount=amount, paid_cash=paid_cash, paid_gift=paid_gift)
    return Refund(
        amount=amount,
        cash=cash,
        gift=gift,
        paid=to_fen(paid),
        consumed=to_fen(consumed),
        whole_months_used=whole_months,
        leftover_days_used=leftover_days,
    )
