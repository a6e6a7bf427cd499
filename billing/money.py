"""The one way an amount is written for people: ¥1,234.50, a debt as −¥1,234.50.

To the fen, half-up as everywhere in billing, grouped by thousands in both languages (Chinese
billing documents group with commas too). Admin, services, notices and console filters use it.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")


def fen_text(amount) -> str:
    """1234.5 -> "1,234.50"; what is not a number is returned as it is."""
    try:
        value = Decimal(str(amount)).quantize(FEN, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return str(amount)
    return f"{value:,.2f}"


def yuan(amount) -> str:
    """¥1,234.50; −¥1,234.50 for a debt (the sign before the currency); "—" for no amount."""
    if amount is None or amount == "":
        return "—"
    value = Decimal(str(amount))
    sign = "−" if value < 0 else ""
    return f"{sign}¥{fen_text(abs(value))}"
