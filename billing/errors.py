from decimal import Decimal

from billing.money import yuan


class BillingError(Exception):
    """A billing rule refused the operation. The message is shown to the person as it is."""


class InsufficientBalance(BillingError):
    def __init__(self, *, shortfall: Decimal):
        self.shortfall = shortfall
        super().__init__(f"Insufficient balance: {yuan(shortfall)} more is needed.")


class NotPermitted(BillingError):
    """The acting user's role does not allow this (SPEC.md §1 sub-account roles)."""


class QuoteChanged(BillingError):
    """The price re-quoted under the lock differs from the one the customer was shown.

    Nothing was charged; the page shows `new_total` and asks again (SPEC.md §1, "what is shown
    is what happens").
    """

    def __init__(self, *, shown_total: Decimal, new_total: Decimal):
        self.shown_total = shown_total
        self.new_total = new_total
        super().__init__(
            f"The price changed from {yuan(shown_total)} to {yuan(new_total)}; nothing was charged."
        )
