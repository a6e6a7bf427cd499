"""Run every billing job due as of an instant: `billing_run [--at 2026-12-01T06:00+08:00]`."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.services.runs import billing_run

FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def aware_instant(value: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--at {value!r} is not an ISO date and time") from error
    if instant.tzinfo is None:
        raise CommandError("--at needs a time zone offset, e.g. 2026-12-01T06:00+08:00")
    return instant


class Command(BaseCommand):
    help = "Settle usage and move services through their lifecycle, as of --at (default now)."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO instant with offset; defaults to now")

    def handle(self, *args, at=None, **options):
        now = aware_instant(at) if at else timezone.now()
        if now > timezone.now() + FUTURE_TOLERANCE:
            # A run as of tomorrow would stop and destroy services early, for good.
            raise CommandError(f"--at {at} is in the future; a billing run cannot run ahead")
        run = billing_run(now=now)
        self.stdout.write(
            json.dumps({"at": now.isoformat(), "run": run.pk, "scope": run.scope, **run.report})
        )
