from decimal import Decimal


class BillingError(Exception):
    """A billing rule refused the operation. The message is shown to the person as it is."""


class InsufficientBalance(BillingError):
    def __init__(self, *, shortfall: Decimal):
        self.shortfall = shortfall
        super().__init__(f"Insufficient balance: ¥{shortfall:,.2f} more is needed.")


class NotPermitted(BillingError):
    """The acting user's role does not allow this (SPEC.md §1 sub-account roles)."""
