"""The pricing engine against every worked example and boundary of SPEC.md §2 and §3.

Pure tests: no database, no settings, no clock.
"""

import ast
import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from billing import pricing
from billing.pricing import (
    PaidOrder,
    PricingError,
    calendar_months_elapsed,
    capacity_wan_for_dau,
    captcha_overage_quote,
    captcha_pack_quote,
    five_day_refund,
    postpaid_day_is_charged,
    push_monthly_price,
    push_normal_refund,
    push_postpaid_day_quote,
    push_prepaid_quote,
    push_upgrade_quote,
    split_refund,
    to_fen,
)

D = Decimal
DOMESTIC = ("guangzhou", "shanghai")
OVERSEAS = ("hongkong", "singapore")
ALL_REGIONS = DOMESTIC + OVERSEAS


def prepaid_total(region: str, capacity_wan: int, months: int) -> Decimal:
    return push_prepaid_quote(region=region, capacity_wan=capacity_wan, months=months).total


def postpaid_total(region: str, dau: int, day: int = 1) -> Decimal:
    return push_postpaid_day_quote(region=region, dau=dau, charged_day_number=day).total


# --- Worked examples of SPEC.md ----------------------------------------------------------------


def test_worked_example_guangzhou_60_wan_for_a_year():
    quote = push_prepaid_quote(region="guangzhou", capacity_wan=60, months=12)
    assert quote.total == D("576000.00")
    assert quote.as_dict()["total"] == "576000.00"


def test_worked_example_singapore_10_wan_for_a_month():
    assert prepaid_total("singapore", 10, 1) == D("4000.00")


@pytest.mark.parametrize(
    ("region", "dau", "day", "expected"),
    [
        ("guangzhou", 500, 1, "0.00"),
        ("guangzhou", 40_000, 1, "128.00"),
        ("guangzhou", 70_000, 1, "224.00"),
        ("singapore", 500, 1, "0.00"),
        ("singapore", 40_000, 1, "60.80"),
        ("singapore", 70_000, 90, "106.40"),
        ("singapore", 70_000, 181, "85.12"),
    ],
)
def test_worked_examples_postpaid(region, dau, day, expected):
    assert postpaid_total(region, dau, day) == D(expected)


def test_worked_example_normal_refund_after_ten_days():
    """A ¥800 one-month order refunded after 10 days → 800 − 10 ÷ 30 × 800 = ¥533.33."""
    monthly = push_monthly_price(region="guangzhou", capacity_wan=1, months=1)
    assert monthly == D("800")
    refund = push_normal_refund(
        current_order=PaidOrder(cash=D("800.00"), gift=D("0.00")),
        monthly_price=monthly,
        months=1,
        start=dt.date(2026, 3, 1),
        on=dt.date(2026, 3, 11),
    )
    assert refund.amount == D("533.33")
    assert (refund.cash, refund.gift) == (D("533.33"), D("0.00"))
    assert (refund.whole_months_used, refund.leftover_days_used) == (0, 10)


# --- Capacity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dau", "capacity_wan"),
    [
        (0, 1),
        (1, 1),
        (1_000, 1),
        (1_001, 1),
        (9_999, 1),
        (10_000, 1),
        (10_001, 2),
        (15_000, 2),
        (20_000, 2),
        (490_000, 49),
        (490_001, 50),
        (1_990_000, 199),
        (1_990_001, 200),
        (600_000, 60),
    ],
)
def test_capacity_is_whole_wan_rounded_up_minimum_one(dau, capacity_wan):
    assert capacity_wan_for_dau(dau) == capacity_wan


# --- Prepaid boundary tables -------------------------------------------------------------------

OVERSEAS_RATES = {
    # capacity_wan: rates for 5, 6, 11, 12, 24 months
    1: ("1", "1", "1", "1", "1"),
    49: ("1", "1", "1", "1", "1"),
    50: ("0.90", "0.80", "0.80", "0.65", "0.60"),
    199: ("0.90", "0.80", "0.80", "0.65", "0.60"),
    200: ("0.70", "0.65", "0.65", "0.60", "0.50"),
}
BOUNDARY_MONTHS = (5, 6, 11, 12, 24)


@pytest.mark.parametrize("region", ALL_REGIONS)
@pytest.mark.parametrize("capacity_wan", sorted(OVERSEAS_RATES))
@pytest.mark.parametrize("months", BOUNDARY_MONTHS)
def test_prepaid_boundary_table(region, capacity_wan, months):
    if region in OVERSEAS:
        unit, rate = D(400), D(OVERSEAS_RATES[capacity_wan][BOUNDARY_MONTHS.index(months)])
    else:
        unit, rate = D(800), D(1)
    quote = push_prepaid_quote(region=region, capacity_wan=capacity_wan, months=months)
    assert quote.total == to_fen(capacity_wan * unit * months * rate)
    (line,) = quote.lines
    assert (line.unit_price, line.quantity, line.discount_rate) == (
        unit,
        capacity_wan * months,
        rate,
    )
    assert line.subtotal == quote.total
    assert push_monthly_price(region=region, capacity_wan=capacity_wan, months=months) == (
        capacity_wan * unit * rate
    )


@pytest.mark.parametrize(
    ("region", "capacity_wan", "months", "expected"),
    [
        ("hongkong", 50, 1, "18000.00"),  # 50 × 400 × 1 × 0.90
        ("hongkong", 50, 6, "96000.00"),  # × 0.80
        ("singapore", 100, 12, "312000.00"),  # 100 × 400 × 12 × 0.65
        ("singapore", 150, 24, "864000.00"),  # × 0.60
        ("hongkong", 200, 3, "168000.00"),  # 200 × 400 × 3 × 0.70
        ("singapore", 300, 9, "702000.00"),  # 300 × 400 × 9 × 0.65
        ("hongkong", 200, 12, "576000.00"),  # × 0.60
        ("singapore", 200, 24, "960000.00"),  # × 0.50
        ("shanghai", 500, 24, "9600000.00"),  # domestic: never discounted
    ],
)
def test_prepaid_discounted_totals(region, capacity_wan, months, expected):
    assert prepaid_total(region, capacity_wan, months) == D(expected)


@pytest.mark.parametrize("months", [*range(1, 12), 12, 24])
def test_every_duration_for_sale_is_priced(months):
    assert prepaid_total("guangzhou", 1, months) == D(800 * months)


@pytest.mark.parametrize("months", [0, -1, 13, 18, 23, 25, 36])
def test_durations_not_for_sale_are_refused(months):
    with pytest.raises(PricingError, match=r"[Dd]uration"):
        push_prepaid_quote(region="guangzhou", capacity_wan=1, months=months)


def test_spec_table_makes_eleven_months_dearer_than_a_year_overseas():
    """SPEC.md's table as written: at 50万-199万, 11 × 0.80 > 12 × 0.65. Documented, not a bug."""
    assert prepaid_total("hongkong", 50, 11) == D("176000.00")
    assert prepaid_total("hongkong", 50, 12) == D("156000.00")


def test_spec_table_makes_the_next_capacity_band_cheaper_overseas():
    """49万 undiscounted costs more than 50万 at 90%; 199万 at 90% more than 200万 at 70%."""
    assert prepaid_total("singapore", 49, 1) == D("19600.00")
    assert prepaid_total("singapore", 50, 1) == D("18000.00")
    assert prepaid_total("singapore", 199, 1) == D("71640.00")
    assert prepaid_total("singapore", 200, 1) == D("56000.00")


# --- Postpaid boundary tables ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dau", "domestic", "overseas"),
    [
        (0, "0.00", "0.00"),
        (1_000, "0.00", "0.00"),
        (1_001, "32.00", "15.20"),
        (10_000, "32.00", "15.20"),
        (10_001, "32.00", "15.20"),  # 32.0032 and 15.20152, rounded once
        (12_345, "39.50", "18.76"),  # 39.504 and 18.7644
    ],
)
@pytest.mark.parametrize("region", ALL_REGIONS)
def test_postpaid_dau_boundaries(region, dau, domestic, overseas):
    expected = domestic if region in DOMESTIC else overseas
    assert postpaid_total(region, dau) == D(expected)


@pytest.mark.parametrize(
    ("dau", "charged"), [(0, False), (1_000, False), (1_001, True), (70_000, True)]
)
def test_days_at_or_below_1000_dau_are_free_and_not_charged_days(dau, charged):
    assert postpaid_day_is_charged(dau=dau) is charged


LOYALTY = {180: "1", 181: "0.80", 360: "0.80", 361: "0.65", 720: "0.65", 721: "0.60"}


@pytest.mark.parametrize("day", sorted(LOYALTY))
@pytest.mark.parametrize("region", ALL_REGIONS)
@pytest.mark.parametrize("dau", [5_000, 70_000])
def test_postpaid_loyalty_day_boundaries(region, day, dau):
    rates = pricing.REGION_RATES[pricing.Region(region)]
    price = rates.postpaid_fixed_day if dau <= 10_000 else rates.postpaid_per_dau_day * dau
    quote = push_postpaid_day_quote(region=region, dau=dau, charged_day_number=day)
    assert quote.lines[0].discount_rate == D(LOYALTY[day])
    assert quote.total == to_fen(price * D(LOYALTY[day]))


@pytest.mark.parametrize(
    ("region", "day", "expected"),
    [
        ("guangzhou", 180, "224.00"),
        ("guangzhou", 181, "179.20"),
        ("guangzhou", 361, "145.60"),
        ("guangzhou", 721, "134.40"),
        ("singapore", 360, "85.12"),
        ("singapore", 361, "69.16"),
        ("singapore", 720, "69.16"),
        ("singapore", 721, "63.84"),
        ("hongkong", 721, "63.84"),
    ],
)
def test_postpaid_loyalty_amounts_at_70000_dau(region, day, expected):
    assert postpaid_total(region, 70_000, day) == D(expected)


def test_a_free_day_costs_nothing_whatever_the_day_number():
    assert postpaid_total("hongkong", 1_000, 900) == D("0.00")


# --- Upgrade -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "from_wan", "to_wan", "months", "days", "expected"),
    [
        # (20 − 10) × 800 = 8,000 a month; 365 days is exactly 12 months.
        ("guangzhou", 10, 20, 12, 365, "96000.00"),
        ("guangzhou", 10, 20, 12, 30, "7890.41"),  # 8000 × 30 × 12 ÷ 365 = 7890.410…
        # 60万 at 90% (21,600) − 40万 undiscounted (16,000) = 5,600 a month.
        ("hongkong", 40, 60, 3, 45, "8284.93"),  # 5600 × 45 × 12 ÷ 365 = 8284.931…
        # Same band discount at both capacities: (100 − 50) × 400 × 0.65 = 13,000.
        ("singapore", 50, 100, 12, 100, "42739.73"),  # 13000 × 100 × 12 ÷ 365 = 42739.726…
        # 200万 at 60% (48,000) is cheaper a month than 190万 at 65% (49,400): fee 0.
        ("hongkong", 190, 200, 12, 200, "0.00"),
        ("guangzhou", 10, 10, 1, 20, "0.00"),
        ("guangzhou", 10, 20, 1, 0, "0.00"),
    ],
)
def test_upgrade_fee(region, from_wan, to_wan, months, days, expected):
    quote = push_upgrade_quote(
        region=region,
        from_capacity_wan=from_wan,
        to_capacity_wan=to_wan,
        months=months,
        remaining_days=days,
    )
    assert quote.total == D(expected)
    assert quote.as_dict()["total"] == expected


def test_upgrade_prices_both_capacities_at_the_original_duration_band():
    """Bought for 12 months: both monthly prices carry the 1-year discount of their capacity."""
    quote = push_upgrade_quote(
        region="singapore", from_capacity_wan=60, to_capacity_wan=250, months=12, remaining_days=73
    )
    new_monthly = D(250) * 400 * D("0.60")
    old_monthly = D(60) * 400 * D("0.65")
    assert quote.total == to_fen((new_monthly - old_monthly) * 73 * 12 / 365)
    (line,) = quote.lines
    # Shown as a daily price × days, which multiplies out to the fee.
    assert line.unit_price == ((new_monthly - old_monthly) * 12 / 365).quantize(D("0.00001"))
    assert line.quantity == 73
    assert abs(line.unit_price * line.quantity - quote.total) < D("0.01")


def test_no_downgrade():
    with pytest.raises(PricingError, match="no downgrade"):
        push_upgrade_quote(
            region="guangzhou",
            from_capacity_wan=20,
            to_capacity_wan=19,
            months=12,
            remaining_days=30,
        )


# --- CAPTCHA -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verifications", "expected"),
    [(0, "0.00"), (1, "0.01"), (2, "0.01"), (3, "0.02"), (1_000, "5.00"), (123_457, "617.29")],
)
def test_captcha_overage_is_half_a_fen_each_rounded_half_up_once(verifications, expected):
    assert captcha_overage_quote(verifications=verifications).total == D(expected)


def test_captcha_pack_quote_is_one_line_at_the_catalogue_price():
    quote = captcha_pack_quote(
        label="Count pack 1,000,000", price=D("2000.00"), verifications=1_000_000
    )
    assert quote.as_dict() == {
        "total": "2000.00",
        "lines": [
            {
                "label": "Count pack 1,000,000",
                "unit_price": "2000.00",
                "quantity": "1",
                "discount_rate": "1",
                "subtotal": "2000.00",
            }
        ],
    }


# --- Refunds -----------------------------------------------------------------------------------


def test_five_day_refund_returns_everything_but_the_voucher():
    refund = five_day_refund(paid_cash=D("300.00"), paid_gift=D("200.00"), paid_voucher=D("300"))
    assert (refund.amount, refund.cash, refund.gift) == (D("500.00"), D("300.00"), D("200.00"))
    assert refund.as_dict()["total"] == "500.00"


def one_month_refund(on: dt.date, **order) -> pricing.Refund:
    return push_normal_refund(
        current_order=PaidOrder(**order),
        monthly_price=D("800"),
        months=1,
        start=dt.date(2026, 1, 1),
        on=on,
    )


def test_normal_refund_on_the_start_day_returns_all_paid():
    assert one_month_refund(dt.date(2026, 1, 1), cash=D("800.00"), gift=D(0)).amount == D(800)


def test_normal_refund_excludes_the_voucher_part():
    """¥100 voucher + ¥700 cash; 10 days used (266.67): 700 − 266.666… = 433.33."""
    refund = one_month_refund(
        dt.date(2026, 1, 11), cash=D("700.00"), gift=D(0), voucher=D("100.00")
    )
    assert refund.amount == D("433.33")


def test_normal_refund_floors_at_zero():
    refund = one_month_refund(
        dt.date(2026, 1, 21), cash=D("200.00"), gift=D(0), voucher=D("600.00")
    )
    assert refund.amount == D("0.00")
    assert (refund.cash, refund.gift) == (D("0.00"), D("0.00"))


def test_consumed_is_capped_at_the_orders_own_period():
    refund = one_month_refund(dt.date(2026, 6, 1), cash=D("800.00"), gift=D(0))
    assert refund.consumed == D("800.00")
    assert refund.amount == D("0.00")
    assert (refund.whole_months_used, refund.leftover_days_used) == (1, 0)


def test_normal_refund_adds_orders_not_yet_started():
    refund = push_normal_refund(
        current_order=PaidOrder(cash=D("800.00"), gift=D("0.00")),
        not_started_orders=[PaidOrder(cash=D("500.00"), gift=D("300.00"), voucher=D("0.00"))],
        monthly_price=D("800"),
        months=1,
        start=dt.date(2026, 1, 1),
        on=dt.date(2026, 1, 11),
    )
    assert refund.amount == D("1333.33")  # 800 + 800 − 266.67
    # Proportion paid: cash 1300 of 1600.
    assert refund.cash == to_fen(D("1333.33") * 1300 / 1600)
    assert refund.cash + refund.gift == refund.amount


def test_normal_refund_of_a_year_after_whole_months_and_days():
    """12 months at ¥48,000 a month (Guangzhou 60万): 2 months and 15 days used."""
    monthly = push_monthly_price(region="guangzhou", capacity_wan=60, months=12)
    refund = push_normal_refund(
        current_order=PaidOrder(cash=D("476000.00"), gift=D("100000.00")),
        monthly_price=monthly,
        months=12,
        start=dt.date(2026, 1, 31),
        on=dt.date(2026, 4, 15),
    )
    # Jan 31 + 2 months = Mar 31; Apr 15 is 15 days later: 2 × 48000 + 15 × 48000 ÷ 30.
    assert (refund.whole_months_used, refund.leftover_days_used) == (2, 15)
    assert refund.amount == D("456000.00")
    assert refund.cash + refund.gift == refund.amount
    assert refund.gift == D("456000.00") - to_fen(D("456000.00") * 476000 / 576000)


@pytest.mark.parametrize(
    ("start", "on", "elapsed"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1), (0, 0)),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 31), (0, 30)),
        (dt.date(2026, 1, 1), dt.date(2026, 2, 1), (1, 0)),
        # Month ends clamp: Jan 31 + 1 month = Feb 28 (2028 is a leap year: Feb 29).
        (dt.date(2026, 1, 31), dt.date(2026, 2, 27), (0, 27)),
        (dt.date(2026, 1, 31), dt.date(2026, 2, 28), (1, 0)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 28), (0, 28)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29), (1, 0)),
        # Counted from the start date, not month by month: Jan 31 + 2 months = Mar 31.
        (dt.date(2026, 1, 31), dt.date(2026, 3, 30), (1, 30)),
        (dt.date(2026, 1, 31), dt.date(2026, 3, 31), (2, 0)),
        (dt.date(2025, 12, 15), dt.date(2027, 12, 14), (23, 29)),
        (dt.date(2025, 12, 15), dt.date(2027, 12, 15), (24, 0)),
    ],
)
def test_whole_calendar_months_and_leftover_days(start, on, elapsed):
    assert calendar_months_elapsed(start=start, on=on) == elapsed


@pytest.mark.parametrize(
    ("amount", "cash", "gift", "expected"),
    [
        ("533.33", "400.00", "400.00", ("266.67", "266.66")),
        ("533.33", "800.00", "0.00", ("533.33", "0.00")),
        ("533.33", "0.00", "800.00", ("0.00", "533.33")),
        ("0.01", "1.00", "1.00", ("0.01", "0.00")),
        ("100.00", "100.00", "200.00", ("33.33", "66.67")),
        ("0.00", "0.00", "0.00", ("0.00", "0.00")),
    ],
)
def test_split_refund_in_proportion_and_summing_exactly(amount, cash, gift, expected):
    parts = split_refund(amount=D(amount), paid_cash=D(cash), paid_gift=D(gift))
    assert parts == (D(expected[0]), D(expected[1]))
    assert sum(parts) == D(amount)


def test_split_refund_refuses_more_than_was_paid():
    with pytest.raises(PricingError, match="Cannot refund"):
        split_refund(amount=D("10.01"), paid_cash=D("5.00"), paid_gift=D("5.00"))


# --- Input validation --------------------------------------------------------------------------

START = dt.date(2026, 1, 10)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: capacity_wan_for_dau(-1), "DAU cannot be negative"),
        (lambda: capacity_wan_for_dau(1.5), "DAU must be a whole number"),
        (lambda: capacity_wan_for_dau(True), "DAU must be a whole number"),
        (lambda: capacity_wan_for_dau(10**11), "DAU must be at most"),
        (lambda: prepaid_total("beijing", 1, 1), "Unknown access point 'beijing'"),
        (lambda: prepaid_total("Guangzhou", 1, 1), "Unknown access point"),
        (lambda: prepaid_total("guangzhou", 0, 1), "Capacity in 万 must be at least 1"),
        (lambda: prepaid_total("guangzhou", 1, 13), "1 to 11 months, 12 or 24"),
        (lambda: prepaid_total("guangzhou", 1, "12"), "must be a whole number"),
        (lambda: postpaid_total("guangzhou", -5), "DAU cannot be negative"),
        (lambda: postpaid_total("guangzhou", 5_000, 0), "Charged day number must be at least 1"),
        (lambda: postpaid_total("mars", 5_000), "Unknown access point"),
        (lambda: postpaid_day_is_charged(dau=-1), "DAU cannot be negative"),
        (
            lambda: push_upgrade_quote(
                region="guangzhou",
                from_capacity_wan=1,
                to_capacity_wan=2,
                months=12,
                remaining_days=-1,
            ),
            "Remaining days cannot be negative",
        ),
        (
            lambda: push_upgrade_quote(
                region="guangzhou",
                from_capacity_wan=0,
                to_capacity_wan=2,
                months=12,
                remaining_days=1,
            ),
            "Current capacity",
        ),
        (lambda: captcha_overage_quote(verifications=-1), "Verifications cannot be negative"),
        (
            lambda: captcha_pack_quote(label="x", price=2000.0, verifications=1),
            "must be a Decimal",
        ),
        (
            lambda: captcha_pack_quote(label="x", price=D("-1"), verifications=1),
            "non-negative",
        ),
        (lambda: captcha_pack_quote(label=" ", price=D(1), verifications=1), "needs a label"),
        (
            lambda: five_day_refund(paid_cash=D("1.005"), paid_gift=D(0), paid_voucher=D(0)),
            "whole fen",
        ),
        (
            lambda: five_day_refund(paid_cash=D(1), paid_gift=D("NaN"), paid_voucher=D(0)),
            "non-negative",
        ),
        (
            lambda: calendar_months_elapsed(start=START, on=START - dt.timedelta(days=1)),
            "before the start date",
        ),
        (
            lambda: calendar_months_elapsed(start=dt.datetime(2026, 1, 1), on=START),
            "calendar date",
        ),
        (lambda: one_month_refund(START, cash=D(-1), gift=D(0)), "Cash paid"),
        (
            lambda: push_normal_refund(
                current_order=PaidOrder(cash=D(1), gift=D(0)),
                monthly_price=D(1),
                months=7,
                start=START,
                on=START - dt.timedelta(days=1),
            ),
            "before the start date",
        ),
        (
            lambda: push_normal_refund(
                current_order=(D(1), D(0)),
                monthly_price=D(1),
                months=1,
                start=START,
                on=START,
            ),
            "PaidOrder",
        ),
        (lambda: split_refund(amount=D(1), paid_cash=D(-1), paid_gift=D(5)), "Cash paid"),
    ],
)
def test_bad_input_raises_pricing_error_with_one_line(call, message):
    with pytest.raises(PricingError, match=message) as raised:
        call()
    assert "\n" not in str(raised.value)
    assert isinstance(raised.value, ValueError)


# --- Shape and purity --------------------------------------------------------------------------


def test_quote_and_lines_are_frozen():
    quote = push_prepaid_quote(region="guangzhou", capacity_wan=1, months=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quote.total = D(0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quote.lines[0].subtotal = D(0)


def test_as_dict_renders_decimals_as_strings_and_total_with_two_decimals():
    rendered = push_postpaid_day_quote(
        region="singapore", dau=70_000, charged_day_number=181
    ).as_dict()
    assert rendered["total"] == "85.12"
    assert rendered["lines"][0] == {
        "label": (
            "Mobile push postpaid, Singapore, charged day 181: DAU 70,000 (above 10,000, per DAU)"
        ),
        "unit_price": "0.00152",
        "quantity": "70000",
        "discount_rate": "0.80",
        "subtotal": "85.12",
    }
    singapore = push_prepaid_quote(region="singapore", capacity_wan=10, months=1)
    assert singapore.as_dict()["total"] == "4000.00"


def test_regions_accept_access_point_strings():
    assert pricing.REGIONS == ("guangzhou", "shanghai", "hongkong", "singapore")


def test_region_tables_agree_with_the_postpaid_seam():
    """The linear tier starts where the fixed price ends: per-DAU price × 10,000 = fixed price."""
    for rates in pricing.REGION_RATES.values():
        assert rates.postpaid_per_dau_day * pricing.POSTPAID_FIXED_DAU_MAX == (
            rates.postpaid_fixed_day
        )


def _imports(path: Path) -> set[str]:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    return imported


STDLIB_ALLOWED = {
    "calendar",
    "collections.abc",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
}


def test_pricing_module_is_pure():
    """Only the standard library (and billing.errors, itself stdlib-only but for the stdlib-only
    billing.money formatter, so a refused price is a BillingError the console shows; and the
    stdlib-only billing.days calendar), and no clock reads: every date is an argument."""
    pricing_path = Path(pricing.__file__)
    assert _imports(pricing_path) <= STDLIB_ALLOWED | {"billing.errors", "billing.days"}
    assert _imports(pricing_path.parent / "errors.py") <= {"decimal", "billing.money"}
    assert _imports(pricing_path.parent / "days.py") <= {"calendar", "datetime", "zoneinfo"}
    assert _imports(pricing_path.parent / "money.py") <= {"decimal"}
    source = pricing_path.read_text()
    for clock_read in ("now(", "today(", "time.time", "utcnow"):
        assert clock_read not in source
    assert "float(" not in source


def test_normal_refund_is_rounded_once_at_the_end():
    """Consumed ¥0.005 (¥0.15 a month, 1 day): 1.00 − 0.005 = 0.995 → ¥1.00, not 1.00 − 0.01."""
    refund = push_normal_refund(
        current_order=PaidOrder(cash=D("1.00"), gift=D("0.00")),
        monthly_price=D("0.15"),
        months=1,
        start=dt.date(2026, 3, 1),
        on=dt.date(2026, 3, 2),
    )
    assert refund.amount == D("1.00")


def test_stored_lines_carry_a_code_and_arguments_the_quote_output_does_not():
    quote = push_prepaid_quote(region="singapore", capacity_wan=10, months=1)
    (stored,) = quote.stored_lines()
    assert stored["code"] == "push_prepaid"
    assert stored["args"] == {"region": "singapore", "capacity": 10, "months": 1}
    assert {k: v for k, v in stored.items() if k not in ("code", "args")} == (
        quote.as_dict()["lines"][0]
    )
    assert "code" not in quote.as_dict()["lines"][0]


def test_the_access_points_are_the_pricing_regions():
    from billing.models import AccessPoint

    assert list(AccessPoint.values) == [region.value for region in pricing.Region]
