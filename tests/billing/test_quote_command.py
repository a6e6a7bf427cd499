"""`manage.py quote`: support staff's price calculator (issue 3).

Each case runs twice: in-process with call_command, and as a real `python manage.py quote`
subprocess, which is what support staff run and what decides exit status and stderr.
"""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from billing import pricing
from billing.models import AccessPoint

REPO = Path(__file__).resolve().parents[2]
TWO_DECIMALS = re.compile(r"^\d+\.\d{2}$")

GOOD = {
    "push-prepaid": (
        ["push-prepaid", "--region", "guangzhou", "--dau", "600000", "--months", "12"],
        "576000.00",
        {"region": "guangzhou", "dau": 600000, "capacity_wan": 60, "months": 12},
    ),
    "push-postpaid": (
        ["push-postpaid", "--region", "singapore", "--dau", "70000", "--day", "181"],
        "85.12",
        {"region": "singapore", "dau": 70000, "charged_day_number": 181, "charged": True},
    ),
    "push-upgrade": (
        [
            "push-upgrade",
            "--region",
            "hongkong",
            "--from-dau",
            "400000",
            "--to-dau",
            "600000",
            "--months",
            "3",
            "--remaining-days",
            "45",
        ],
        "8284.93",
        {
            "region": "hongkong",
            "from_dau": 400000,
            "to_dau": 600000,
            "from_capacity_wan": 40,
            "to_capacity_wan": 60,
            "months": 3,
            "remaining_days": 45,
        },
    ),
    "push-refund": (
        [
            "push-refund",
            "--region",
            "guangzhou",
            "--dau",
            "8000",
            "--months",
            "1",
            "--start",
            "2026-01-01",
            "--on",
            "2026-01-11",
        ],
        "533.33",
        {
            "region": "guangzhou",
            "dau": 8000,
            "capacity_wan": 1,
            "months": 1,
            "start": "2026-01-01",
            "on": "2026-01-11",
        },
    ),
    "captcha-overage": (
        ["captcha-overage", "--verifications", "123457"],
        "617.29",
        {"verifications": 123457},
    ),
}

BAD = {
    "unknown region": (["push-prepaid", "--region", "beijing", "--dau", "1", "--months", "1"], 1),
    "months 13": (["push-prepaid", "--region", "guangzhou", "--dau", "1", "--months", "13"], 1),
    "negative DAU": (["push-prepaid", "--region", "guangzhou", "--dau", "-5", "--months", "1"], 1),
    "negative postpaid DAU": (
        ["push-postpaid", "--region", "shanghai", "--dau", "-1", "--day", "1"],
        1,
    ),
    "day 0": (["push-postpaid", "--region", "shanghai", "--dau", "5000", "--day", "0"], 1),
    "downgrade": (
        [
            "push-upgrade",
            "--region",
            "guangzhou",
            "--from-dau",
            "600000",
            "--to-dau",
            "400000",
            "--months",
            "12",
            "--remaining-days",
            "30",
        ],
        1,
    ),
    "on before start": (
        [
            "push-refund",
            "--region",
            "guangzhou",
            "--dau",
            "1",
            "--months",
            "1",
            "--start",
            "2026-01-11",
            "--on",
            "2026-01-01",
        ],
        1,
    ),
    "negative verifications": (["captcha-overage", "--verifications", "-1"], 1),
    "missing flag": (["push-prepaid", "--region", "guangzhou", "--months", "1"], 2),
    "non-numeric DAU": (
        ["push-prepaid", "--region", "guangzhou", "--dau", "lots", "--months", "1"],
        2,
    ),
    "non-numeric months": (
        ["push-prepaid", "--region", "guangzhou", "--dau", "1", "--months", "1.5"],
        2,
    ),
    "not a date": (
        [
            "push-refund",
            "--region",
            "guangzhou",
            "--dau",
            "1",
            "--months",
            "1",
            "--start",
            "2026-02-30",
            "--on",
            "2026-03-01",
        ],
        2,
    ),
    "unknown option": (["captcha-overage", "--verifications", "1", "--discount", "9"], 2),
    "unknown subcommand": (["push-free", "--dau", "1"], 2),
    "no subcommand": ([], 2),
}


def run_quote(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "quote", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def call_quote(args: list[str]) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("quote", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def assert_result(output: str, *, subcommand: str, total: str, inputs: dict) -> dict:
    result = json.loads(output)  # exactly one JSON document, nothing else
    assert result["subcommand"] == subcommand
    assert result["total"] == total
    assert TWO_DECIMALS.match(result["total"])
    assert result["inputs"] == inputs
    return result


# --- Output format -----------------------------------------------------------------------------


@pytest.mark.parametrize("subcommand", sorted(GOOD))
def test_quote_prints_one_json_object_in_process(subcommand):
    args, total, inputs = GOOD[subcommand]
    stdout, stderr = call_quote(args)
    assert_result(stdout, subcommand=subcommand, total=total, inputs=inputs)
    assert stderr == ""


@pytest.mark.parametrize("subcommand", sorted(GOOD))
def test_quote_prints_one_json_object_from_the_command_line(subcommand):
    args, total, inputs = GOOD[subcommand]
    completed = run_quote(args)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    assert_result(completed.stdout, subcommand=subcommand, total=total, inputs=inputs)


@pytest.mark.parametrize("subcommand", sorted(set(GOOD) - {"push-refund"}))
def test_quote_lines_are_the_engines_breakdown(subcommand):
    args, total, _inputs = GOOD[subcommand]
    result = json.loads(call_quote(args)[0])
    (line,) = result["lines"]
    assert set(line) == {"label", "unit_price", "quantity", "discount_rate", "subtotal"}
    assert all(isinstance(value, str) for value in line.values())
    assert line["subtotal"] == total


def test_prepaid_breakdown_line():
    args, _total, _inputs = GOOD["push-prepaid"]
    (line,) = json.loads(call_quote(args)[0])["lines"]
    assert line == {
        "label": "Mobile push prepaid, Guangzhou: 60万 DAU peak × 12 months",
        "unit_price": "800",
        "quantity": "720",
        "discount_rate": "1",
        "subtotal": "576000.00",
    }


def test_refund_shows_the_order_and_what_was_used():
    args, _total, _inputs = GOOD["push-refund"]
    result = json.loads(call_quote(args)[0])
    assert result["order"]["total"] == "800.00"
    assert result["refund"] == {
        "cash": "533.33",
        "gift": "0.00",
        "paid": "800.00",
        "consumed": "266.67",
        "whole_months_used": 0,
        "leftover_days_used": 10,
    }


def test_prepaid_dau_is_converted_to_whole_wan():
    stdout, _stderr = call_quote(
        ["push-prepaid", "--region", "singapore", "--dau", "95001", "--months", "1"]
    )
    result = json.loads(stdout)
    assert result["inputs"]["capacity_wan"] == 10
    assert result["total"] == "4000.00"


def test_free_postpaid_day_says_it_is_not_charged():
    stdout, _stderr = call_quote(
        ["push-postpaid", "--region", "guangzhou", "--dau", "500", "--day", "3"]
    )
    result = json.loads(stdout)
    assert result["total"] == "0.00"
    assert result["inputs"]["charged"] is False


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_raises_command_error_in_process(case):
    args, _returncode = BAD[case]
    stdout = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("quote", *args, stdout=stdout)
    assert stdout.getvalue() == ""
    assert "\n" not in str(raised.value).strip()


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_stderr_line_and_no_stdout(case):
    args, returncode = BAD[case]
    completed = run_quote(args)
    assert completed.returncode == returncode
    assert completed.stdout == ""
    assert completed.stderr.endswith("\n")
    assert completed.stderr.count("\n") == 1, completed.stderr
    assert completed.stderr.startswith("quote: error: ")
    assert "Traceback" not in completed.stderr
    assert "usage:" not in completed.stderr


def test_bad_input_message_says_what_is_wrong():
    assert "Unknown access point 'beijing'" in run_quote(BAD["unknown region"][0]).stderr
    assert "12 or 24" in run_quote(BAD["months 13"][0]).stderr
    assert "--dau" in run_quote(BAD["missing flag"][0]).stderr


# --- The engine and the models agree -----------------------------------------------------------


def test_pricing_regions_are_the_push_access_points():
    assert set(pricing.REGIONS) == set(AccessPoint.values)
    for access_point in AccessPoint:
        assert pricing.push_prepaid_quote(region=access_point, capacity_wan=1, months=1).total > 0
