"""Support staff's price calculator: every number comes from billing.pricing.

    python manage.py quote push-prepaid    --region REGION --dau N --months M
    python manage.py quote push-postpaid   --region REGION --dau N --day D
    python manage.py quote push-upgrade    --region REGION --from-dau N --to-dau N --months M
                                           --remaining-days K
    python manage.py quote push-refund     --region REGION --dau N --months M
                                           --start YYYY-MM-DD --on YYYY-MM-DD
    python manage.py quote captcha-overage --verifications N

Prints exactly one JSON object on stdout: "subcommand", "inputs", "total" (a string with two
decimals) and the breakdown ("lines"; for push-refund, "order" and "refund"). Bad input prints
one line on stderr, nothing on stdout, and exits 2 (unusable arguments) or 1 (refused by the
billing rules), so the output can be piped safely.
"""

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError, handle_default_options

from billing import pricing

USAGE_ERROR = 2


def _calendar_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _one_line(error: CommandError) -> str:
    message = " ".join(str(error).split())
    return message.removeprefix("Error: ")


class Command(BaseCommand):
    help = "Price a push or CAPTCHA configuration, upgrade or refund; prints one JSON object."
    # A calculator: it reads no database and no models.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", required=True, metavar="SUBCOMMAND", title="subcommands"
        )

        prepaid = subcommands.add_parser("push-prepaid", help="a prepaid push order")
        self._add_region(prepaid)
        prepaid.add_argument("--dau", type=int, required=True, help="DAU peak to cover")
        self._add_months(prepaid)

        postpaid = subcommands.add_parser("push-postpaid", help="one postpaid day of one app")
        self._add_region(postpaid)
        postpaid.add_argument("--dau", type=int, required=True, help="that day's DAU")
        postpaid.add_argument(
            "--day", type=int, required=True, help="consecutive charged-day number (from 1)"
        )

        upgrade = subcommands.add_parser("push-upgrade", help="raising a prepaid capacity")
        self._add_region(upgrade)
        upgrade.add_argument("--from-dau", type=int, required=True, help="current DAU peak")
        upgrade.add_argument("--to-dau", type=int, required=True, help="new DAU peak")
        self._add_months(upgrade, help="duration of the subscription's original order")
        upgrade.add_argument(
            "--remaining-days", type=int, required=True, help="days from today to the expiry"
        )

        refund = subcommands.add_parser(
            "push-refund", help="normal refund of one prepaid order paid fully in cash"
        )
        self._add_region(refund)
        refund.add_argument("--dau", type=int, required=True, help="DAU peak of the order")
        self._add_months(refund)
        refund.add_argument("--start", type=_calendar_date, required=True, help="order start")
        refund.add_argument("--on", type=_calendar_date, required=True, help="refund date")

        overage = subcommands.add_parser(
            "captcha-overage", help="CAPTCHA verifications beyond the packs (postpaid)"
        )
        overage.add_argument("--verifications", type=int, required=True)

    @staticmethod
    def _add_region(parser) -> None:
        parser.add_argument(
            "--region", required=True, help=f"service access point: {', '.join(pricing.REGIONS)}"
        )

    @staticmethod
    def _add_months(parser, help: str = "duration: 1-11, 12 or 24") -> None:
        parser.add_argument("--months", type=int, required=True, help=help)

    def run_from_argv(self, argv: list[str]) -> None:
        """As BaseCommand's, but every failure is one stderr line and stdout stays empty.

        _called_from_command_line stays False, so argparse errors raise CommandError instead of
        printing the usage text.
        """
        parser = self.create_parser(argv[0], argv[1])
        try:
            options = parser.parse_args(argv[2:])
        except CommandError as error:
            self._fail(error, returncode=USAGE_ERROR)
        cmd_options = vars(options)
        cmd_options.pop("args", None)
        handle_default_options(options)
        try:
            self.execute(**cmd_options)
        except CommandError as error:
            self._fail(error, returncode=error.returncode)

    def _fail(self, error: CommandError, *, returncode: int) -> None:
        self.stderr.write(f"quote: error: {_one_line(error)}")
        sys.exit(returncode)

    def handle(self, *args, subcommand: str, **options) -> None:
        quote_for: dict[str, Callable[[dict], dict]] = {
            "push-prepaid": self._push_prepaid,
            "push-postpaid": self._push_postpaid,
            "push-upgrade": self._push_upgrade,
            "push-refund": self._push_refund,
            "captcha-overage": self._captcha_overage,
        }
        try:
            result = quote_for[subcommand](options)
        except pricing.PricingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps({"subcommand": subcommand, **result}, ensure_ascii=False))

    def _push_prepaid(self, options: dict) -> dict:
        capacity_wan = pricing.capacity_wan_for_dau(options["dau"])
        quote = pricing.push_prepaid_quote(
            region=options["region"], capacity_wan=capacity_wan, months=options["months"]
        )
        inputs = {
            "region": options["region"],
            "dau": options["dau"],
            "capacity_wan": capacity_wan,
            "months": options["months"],
        }
        return {"inputs": inputs, **quote.as_dict()}

    def _push_postpaid(self, options: dict) -> dict:
        quote = pricing.push_postpaid_day_quote(
            region=options["region"], dau=options["dau"], charged_day_number=options["day"]
        )
        inputs = {
            "region": options["region"],
            "dau": options["dau"],
            "charged_day_number": options["day"],
            "charged": pricing.postpaid_day_is_charged(dau=options["dau"]),
        }
        return {"inputs": inputs, **quote.as_dict()}

    def _push_upgrade(self, options: dict) -> dict:
        from_capacity_wan = pricing.capacity_wan_for_dau(options["from_dau"])
        to_capacity_wan = pricing.capacity_wan_for_dau(options["to_dau"])
        quote = pricing.push_upgrade_quote(
            region=options["region"],
            from_capacity_wan=from_capacity_wan,
            to_capacity_wan=to_capacity_wan,
            months=options["months"],
            remaining_days=options["remaining_days"],
        )
        inputs = {
            "region": options["region"],
            "from_dau": options["from_dau"],
            "to_dau": options["to_dau"],
            "from_capacity_wan": from_capacity_wan,
            "to_capacity_wan": to_capacity_wan,
            "months": options["months"],
            "remaining_days": options["remaining_days"],
        }
        return {"inputs": inputs, **quote.as_dict()}

    def _push_refund(self, options: dict) -> dict:
        region, months = options["region"], options["months"]
        capacity_wan = pricing.capacity_wan_for_dau(options["dau"])
        order = pricing.push_prepaid_quote(region=region, capacity_wan=capacity_wan, months=months)
        refund = pricing.push_normal_refund(
            current_order=pricing.PaidOrder(cash=order.total, gift=Decimal("0.00")),
            monthly_price=pricing.push_monthly_price(
                region=region, capacity_wan=capacity_wan, months=months
            ),
            months=months,
            start=options["start"],
            on=options["on"],
        )
        inputs = {
            "region": region,
            "dau": options["dau"],
            "capacity_wan": capacity_wan,
            "months": months,
            "start": options["start"].isoformat(),
            "on": options["on"].isoformat(),
        }
        breakdown = refund.as_dict()
        return {
            "inputs": inputs,
            "total": breakdown.pop("total"),
            "order": order.as_dict(),
            "refund": breakdown,
        }

    def _captcha_overage(self, options: dict) -> dict:
        quote = pricing.captcha_overage_quote(verifications=options["verifications"])
        return {"inputs": {"verifications": options["verifications"]}, **quote.as_dict()}
