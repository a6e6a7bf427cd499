import datetime as dt

from django.db import connection
from django.utils import timezone

from billing.days import billing_day


def next_order_number(*, at: dt.datetime | None = None) -> str:
    """20261122000001: the Asia/Shanghai day and that day's sequence, race-free in one statement."""
    day = billing_day(at or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO billing_dailycounter (name, day, value) VALUES ('order', %s, 1)
            ON CONFLICT (name, day) DO UPDATE SET value = billing_dailycounter.value + 1
            RETURNING value
            """,
            [day],
        )
        (value,) = cursor.fetchone()
    return f"{day:%Y%m%d}{value:06d}"
