from decimal import Decimal

from django.db import models

ZERO = Decimal("0.00")


class MoneyField(models.DecimalField):
    """Fen-exact CNY amount (SPEC.md: every bill line, order and refund is rounded to 0.01)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs
