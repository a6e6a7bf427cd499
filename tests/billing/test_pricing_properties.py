"""Properties of the pricing engine over many generated inputs (hypothesis).

The "rounded once" properties compare against an independent oracle: the SPEC.md formulas
evaluated exactly with Fraction and the SPEC.md rates restated here, rounded half-up to the fen
at the very end. Rounding any intermediate (a monthly price, a day's share) would break them.
"""

import calendar
import datetime as dt
import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, example, given
from hypothesis import strategies as st

from billing import days, pricing
from billing.pricing import (
    PaidOrder,
    calendar_months_elapsed,
    capacity_wan_for_dau,
    captcha_overage_quote,
    five_day_refund,
    push_monthly_price,
    push_normal_refund,
    push_postpaid_day_quote,
    push_prepaid_quote,
    push_upgrade_quote,
    split_refund,
    to_fen,
)

# --- The oracle: SPEC.md §3 restated independently of billing.pricing's tables ----------------

OVERSEAS = {"hongkong", "singapore"}
PREPAID_UNIT = {"guangzhou": 800, "shanghai": 800, "hongkong": 400, "singapore": 400}
POSTPAID_FIXED = {"guangzhou": Fraction(32), "shanghai": Fraction(32)} | dict.fromkeys(
    OVERSEAS, Fraction("15.2")
)
POSTPAID_PER_DAU = {"guangzhou": Fraction("0.0032"), "shanghai": Fraction("0.0032")} | (
    dict.fromkeys(OVERSEAS, Fraction("0.00152"))
)


def oracle_prepaid_rate(region: str, capacity_wan: int, months: int) -> Fraction:
    column = 0 if months <= 5 else 1 if months <= 11 else 2 if months == 12 else 3
    if region not in OVERSEAS or capacity_wan < 50:
        return Fraction(1)
    row = (
        ("0.90", "0.80", "0.65", "0.60") if capacity_wan < 200 else ("0.70", "0.65", "0.60", "0.50")
    )
    return Fraction(row[column])


def oracle_monthly(region: str, capacity_wan: int, months: int) -> Fraction:
    return capacity_wan * PREPAID_UNIT[region] * oracle_prepaid_rate(region, capacity_wan, months)


def oracle_loyalty(day: int) -> Fraction:
    if day > 720:
        return Fraction("0.60")
    if day > 360:
        return Fraction("0.65")
    if day > 180:
        return Fraction("0.80")
    return Fraction(1)


def oracle_postpaid_unrounded(region: str, dau: int, day: int) -> Fraction:
    if dau <= 1_000:
        return Fraction(0)
    price = POSTPAID_FIXED[region] if dau <= 10_000 else POSTPAID_PER_DAU[region] * dau
    return price * oracle_loyalty(day)


def fen_half_up(value: Fraction) -> Decimal:
    """Exact rational → fen, half-up (values here are never negative)."""
    assert value >= 0
    return Decimal(math.floor(value * 100 + Fraction(1, 2))).scaleb(-2)


def exact(amount: Decimal) -> Fraction:
    return Fraction(amount)


# --- Strategies --------------------------------------------------------------------------------

regions = st.sampled_from(pricing.REGIONS)
overseas_regions = st.sampled_from(sorted(OVERSEAS))
durations = st.sampled_from(pricing.ALLOWED_MONTHS)
capacities = st.integers(min_value=1, max_value=5_000)
daus = st.integers(min_value=0, max_value=10**9)
charged_days = st.integers(min_value=1, max_value=2_000)
fen_amounts = st.integers(min_value=0, max_value=10**9).map(lambda fen: Decimal(fen).scaleb(-2))
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))
paid_orders = st.builds(PaidOrder, cash=fen_amounts, gift=fen_amounts, voucher=fen_amounts)


def same_band(months_a: int, months_b: int) -> bool:
    return pricing.duration_band(months_a) == pricing.duration_band(months_b)


def same_discount_row(region: str, capacity_a: int, capacity_b: int) -> bool:
    return all(
        oracle_prepaid_rate(region, capacity_a, months)
        == oracle_prepaid_rate(region, capacity_b, months)
        for months in pricing.ALLOWED_MONTHS
    )


def unrounded(quote: pricing.Quote) -> Decimal:
    (line,) = quote.lines
    return line.unit_price * line.quantity * line.discount_rate


# --- Rounded once, never negative --------------------------------------------------------------


@given(region=regions, capacity_wan=capacities, months=durations)
def test_prepaid_total_is_the_exact_product_rounded_once(region, capacity_wan, months):
    quote = push_prepaid_quote(region=region, capacity_wan=capacity_wan, months=months)
    expected = fen_half_up(oracle_monthly(region, capacity_wan, months) * months)
    assert quote.total == expected >= 0
    assert exact(push_monthly_price(region=region, capacity_wan=capacity_wan, months=months)) == (
        oracle_monthly(region, capacity_wan, months)
    )
    (line,) = quote.lines
    assert line.subtotal == to_fen(line.unit_price * line.quantity * line.discount_rate)
    assert quote.as_dict()["total"] == f"{expected:.2f}"


@given(region=regions, dau=daus, day=charged_days)
def test_postpaid_total_is_the_exact_price_rounded_once(region, dau, day):
    quote = push_postpaid_day_quote(region=region, dau=dau, charged_day_number=day)
    assert quote.total == fen_half_up(oracle_postpaid_unrounded(region, dau, day)) >= 0
    assert exact(unrounded(quote)) == oracle_postpaid_unrounded(region, dau, day)


@given(
    region=regions,
    from_capacity_wan=capacities,
    extra_wan=st.integers(min_value=0, max_value=1_000),
    months=durations,
    remaining_days=st.integers(min_value=0, max_value=1_500),
)
def test_upgrade_fee_is_the_exact_formula_rounded_once(
    region, from_capacity_wan, extra_wan, months, remaining_days
):
    to_capacity_wan = from_capacity_wan + extra_wan
    quote = push_upgrade_quote(
        region=region,
        from_capacity_wan=from_capacity_wan,
        to_capacity_wan=to_capacity_wan,
        months=months,
        remaining_days=remaining_days,
    )
    difference = oracle_monthly(region, to_capacity_wan, months) - oracle_monthly(
        region, from_capacity_wan, months
    )
    expected = fen_half_up(max(difference, Fraction(0)) * remaining_days / (Fraction(365) / 12))
    assert quote.total == expected >= 0
    # The customer sees daily price × days: it adds up to the fee within the fee's own rounding
    # (half a fen) plus the daily price's (half of 0.00001 per day).
    (line,) = quote.lines
    bound = Decimal("0.005") + remaining_days * Decimal("0.000005")
    assert abs(line.unit_price * line.quantity - quote.total) <= bound


@given(verifications=st.integers(min_value=0, max_value=10**10))
def test_captcha_overage_is_rounded_once(verifications):
    quote = captcha_overage_quote(verifications=verifications)
    assert quote.total == fen_half_up(Fraction("0.005") * verifications) >= 0


# --- Monotone ----------------------------------------------------------------------------------


@given(region=regions, day=charged_days, dau_a=daus, dau_b=daus)
def test_postpaid_is_monotone_in_dau(region, day, dau_a, dau_b):
    low, high = sorted((dau_a, dau_b))
    cost = [
        push_postpaid_day_quote(region=region, dau=dau, charged_day_number=day).total
        for dau in (low, high)
    ]
    assert cost[0] <= cost[1]


@given(dau_a=daus, dau_b=daus)
def test_capacity_is_monotone_in_dau_and_covers_it(dau_a, dau_b):
    low, high = sorted((dau_a, dau_b))
    assert 1 <= capacity_wan_for_dau(low) <= capacity_wan_for_dau(high)
    capacity_wan = capacity_wan_for_dau(high)
    assert capacity_wan * 10_000 >= high
    assert capacity_wan == 1 or (capacity_wan - 1) * 10_000 < high


@given(region=regions, months=durations, dau_a=daus, dau_b=daus)
def test_prepaid_is_monotone_in_dau_within_a_discount_band(region, months, dau_a, dau_b):
    """Domestic: always. Overseas: within a capacity band (SPEC's band edges lower the price)."""
    low, high = sorted(capacity_wan_for_dau(dau) for dau in (dau_a, dau_b))
    assume(same_discount_row(region, low, high))
    assert push_prepaid_quote(region=region, capacity_wan=low, months=months).total <= (
        push_prepaid_quote(region=region, capacity_wan=high, months=months).total
    )


@given(region=st.sampled_from(["guangzhou", "shanghai"]), dau_a=daus, dau_b=daus, months=durations)
def test_domestic_prepaid_is_monotone_in_dau(region, dau_a, dau_b, months):
    low, high = sorted(capacity_wan_for_dau(dau) for dau in (dau_a, dau_b))
    assert prepaid(region, low, months) <= prepaid(region, high, months)


def prepaid(region: str, capacity_wan: int, months: int) -> Decimal:
    return push_prepaid_quote(region=region, capacity_wan=capacity_wan, months=months).total


@given(region=regions, capacity_wan=capacities, months_a=durations, months_b=durations)
def test_prepaid_is_monotone_in_months_within_a_duration_band(
    region, capacity_wan, months_a, months_b
):
    low, high = sorted((months_a, months_b))
    assume(same_band(low, high) or region not in OVERSEAS or capacity_wan < 50)
    assert prepaid(region, capacity_wan, low) <= prepaid(region, capacity_wan, high)


@given(
    region=regions,
    from_capacity_wan=capacities,
    months=durations,
    days_a=st.integers(min_value=0, max_value=1_500),
    days_b=st.integers(min_value=0, max_value=1_500),
    extra_wan=st.integers(min_value=0, max_value=500),
)
def test_upgrade_fee_is_monotone_in_remaining_days(
    region, from_capacity_wan, months, days_a, days_b, extra_wan
):
    def fee(remaining_days: int) -> Decimal:
        return push_upgrade_quote(
            region=region,
            from_capacity_wan=from_capacity_wan,
            to_capacity_wan=from_capacity_wan + extra_wan,
            months=months,
            remaining_days=remaining_days,
        ).total

    low, high = sorted((days_a, days_b))
    assert Decimal(0) <= fee(low) <= fee(high)


# --- The postpaid tiers' seams -----------------------------------------------------------------


@given(region=regions, day=charged_days)
def test_postpaid_fixed_to_linear_seam_is_one_dau_step(region, day):
    """At 10,000 → 10,001 the price moves by exactly one DAU's linear price (the table is
    continuous there: per-DAU price × 10,000 = the fixed price)."""
    rates = pricing.REGION_RATES[pricing.Region(region)]
    loyalty = pricing.postpaid_loyalty_rate(charged_day_number=day)
    at_fixed_end = push_postpaid_day_quote(region=region, dau=10_000, charged_day_number=day)
    at_linear_start = push_postpaid_day_quote(region=region, dau=10_001, charged_day_number=day)
    assert unrounded(at_fixed_end) == rates.postpaid_fixed_day * loyalty
    assert unrounded(at_linear_start) - unrounded(at_fixed_end) == (
        rates.postpaid_per_dau_day * loyalty
    )
    assert at_linear_start.total == to_fen(
        (rates.postpaid_fixed_day + rates.postpaid_per_dau_day) * loyalty
    )


@given(region=regions, day=charged_days, dau=st.integers(min_value=1_001, max_value=10**8))
def test_postpaid_has_no_jump_above_the_free_tier(region, day, dau):
    """Above 1,000 DAU one more device never adds more than one DAU's linear price."""
    rates = pricing.REGION_RATES[pricing.Region(region)]
    loyalty = pricing.postpaid_loyalty_rate(charged_day_number=day)
    step = unrounded(
        push_postpaid_day_quote(region=region, dau=dau + 1, charged_day_number=day)
    ) - unrounded(push_postpaid_day_quote(region=region, dau=dau, charged_day_number=day))
    assert 0 <= step <= rates.postpaid_per_dau_day * loyalty


@given(region=regions, day=charged_days)
def test_postpaid_only_jump_is_from_free_to_fixed(region, day):
    rates = pricing.REGION_RATES[pricing.Region(region)]
    loyalty = pricing.postpaid_loyalty_rate(charged_day_number=day)
    free = push_postpaid_day_quote(region=region, dau=1_000, charged_day_number=day)
    fixed = push_postpaid_day_quote(region=region, dau=1_001, charged_day_number=day)
    assert free.total == 0
    assert fixed.total == to_fen(rates.postpaid_fixed_day * loyalty)


# --- Refunds -----------------------------------------------------------------------------------


@st.composite
def refund_cases(draw):
    region = draw(regions)
    months = draw(durations)
    capacity_wan = draw(st.integers(min_value=1, max_value=300))
    monthly_price = draw(
        st.one_of(
            st.just(push_monthly_price(region=region, capacity_wan=capacity_wan, months=months)),
            st.decimals(min_value=0, max_value=10**6, places=4),
        )
    )
    start = draw(dates)
    on = start + dt.timedelta(days=draw(st.integers(min_value=0, max_value=800)))
    return {
        "current_order": draw(paid_orders),
        "not_started_orders": draw(st.lists(paid_orders, max_size=3)),
        "monthly_price": monthly_price,
        "months": months,
        "start": start,
        "on": on,
    }


HALF_FEN_CONSUMED = {
    # ¥0.15 a month, 1 day used: consumed ¥0.005. Rounded once: 1.00 − 0.005 = 0.995 → 1.00;
    # rounding consumed first would give 0.99.
    "current_order": PaidOrder(cash=Decimal("0.60"), gift=Decimal("0.40")),
    "not_started_orders": [],
    "monthly_price": Decimal("0.15"),
    "months": 1,
    "start": dt.date(2026, 3, 1),
    "on": dt.date(2026, 3, 2),
}


@given(case=refund_cases())
@example(case=HALF_FEN_CONSUMED)
def test_normal_refund_is_bounded_split_exactly_and_rounded_once(case):
    refund = push_normal_refund(**case)
    orders = [case["current_order"], *case["not_started_orders"]]
    paid_cash = sum(order.cash for order in orders)
    paid_gift = sum(order.gift for order in orders)
    assert 0 <= refund.amount <= paid_cash + paid_gift
    assert refund.cash + refund.gift == refund.amount
    assert 0 <= refund.cash <= paid_cash
    assert 0 <= refund.gift <= paid_gift

    whole_months, leftover_days = calendar_months_elapsed(start=case["start"], on=case["on"])
    monthly = exact(case["monthly_price"])
    consumed = min(
        monthly * whole_months + monthly * Fraction(leftover_days, 30), monthly * case["months"]
    )
    assert refund.amount == fen_half_up(max(exact(paid_cash + paid_gift) - consumed, Fraction(0)))


@given(case=refund_cases(), later_days=st.integers(min_value=0, max_value=400))
def test_normal_refund_never_grows_with_time(case, later_days):
    later = push_normal_refund(**(case | {"on": case["on"] + dt.timedelta(days=later_days)}))
    assert later.amount <= push_normal_refund(**case).amount


@given(cash=fen_amounts, gift=fen_amounts, voucher=fen_amounts)
def test_five_day_refund_is_all_but_the_voucher(cash, gift, voucher):
    refund = five_day_refund(paid_cash=cash, paid_gift=gift, paid_voucher=voucher)
    assert (refund.amount, refund.cash, refund.gift) == (cash + gift, cash, gift)


@given(paid_cash=fen_amounts, paid_gift=fen_amounts, share=st.fractions(0, 1))
def test_split_refund_sums_exactly_and_neither_part_is_negative(paid_cash, paid_gift, share):
    amount = to_fen(Decimal(share.numerator) * (paid_cash + paid_gift) / share.denominator)
    assume(amount <= paid_cash + paid_gift)
    cash, gift = split_refund(amount=amount, paid_cash=paid_cash, paid_gift=paid_gift)
    assert cash + gift == amount
    assert 0 <= cash <= paid_cash
    assert 0 <= gift <= paid_gift
    if amount:
        assert cash == fen_half_up(exact(amount) * exact(paid_cash) / exact(paid_cash + paid_gift))


# --- Calendar months ---------------------------------------------------------------------------


@given(start=dates, months=st.integers(min_value=0, max_value=60))
def test_add_months_keeps_the_day_or_clamps_to_the_months_last_day(start, months):
    result = days.add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    last_day = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(start.day, last_day)
    assert pricing.add_months is days.add_months  # one month arithmetic


@given(start=dates, elapsed_days=st.integers(min_value=0, max_value=2_000))
def test_calendar_months_elapsed_brackets_the_refund_date(start, elapsed_days):
    on = start + dt.timedelta(days=elapsed_days)
    whole_months, leftover_days = calendar_months_elapsed(start=start, on=on)
    assert (
        pricing.add_months(start, whole_months) <= on < pricing.add_months(start, whole_months + 1)
    )
    assert leftover_days == (on - pricing.add_months(start, whole_months)).days
    assert 0 <= leftover_days <= 30


# --- Paying ------------------------------------------------------------------------------------

fen_amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)


@given(
    total=fen_amounts,
    voucher=fen_amounts,
    gift=fen_amounts,
    cash=st.decimals(min_value=-(10**6), max_value=10**7, places=2, allow_nan=False),
)
def test_payment_split_is_voucher_then_gift_then_cash(total, voucher, gift, cash):
    split = pricing.payment_split(
        total=total, voucher_amount=voucher, gift_balance=gift, cash_balance=cash
    )
    assert split.voucher + split.gift + split.cash == total
    assert split.voucher == min(voucher, total)
    assert split.gift == min(gift, total - split.voucher)
    assert min(split.voucher, split.gift, split.cash, split.shortfall) >= 0
    assert split.shortfall == max(split.cash - max(cash, Decimal(0)), Decimal(0))
