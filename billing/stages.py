"""Which lifecycle stage a push app is in at an instant, and when the next one starts.

The stage tables of SPEC.md §3, in the form Kill Bill uses for its overdue states: each track is
an ordered list of stages, each starting at an offset from the event that opened the track (the
prepaid expiry, the trial stop, the arrears debt). The daily jobs decide with these instants, the
notices quote them, and the console and admin show them as a countdown; nobody else adds days.
Pure: no database, no clock.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from billing import policy
from billing.days import BILLING_TZ, billing_day, day_start

# Track → ordered (stage, offset from the track's start). Day offsets start at 00:00 (UTC+8).
PREPAID_EXPIRY = (
    # Reminders 7..1 days before; the expiry instant itself opens the grace.
    ("grace", None),  # from expires_at: the customer may still renew in the console
    ("stopped", policy.PUSH_STOP_DAY_AFTER_EXPIRY),  # push off, registration on, staff renews
    ("destroyed", policy.PUSH_DESTROY_DAY_AFTER_EXPIRY),
)
TRIAL_OVER_LIMIT = (
    ("stopped", None),  # from the stop; back under the limit resumes it
    ("reclaimed", policy.PUSH_TRIAL_RECLAIM_AFTER_DAYS + 1),  # the 8th day after the stop day
)
ARREARS = (
    ("notice", dt.timedelta(0)),
    ("stopped", policy.ARREARS_GRACE),
    ("reclaimed", policy.ARREARS_GRACE + policy.ARREARS_RECLAIM_AFTER_STOP),
)


def prepaid_stops_at(expires_at: dt.datetime) -> dt.datetime:
    return day_start(billing_day(expires_at) + dt.timedelta(days=PREPAID_EXPIRY[1][1]))


def prepaid_destroyed_at(expires_at: dt.datetime) -> dt.datetime:
    return day_start(billing_day(expires_at) + dt.timedelta(days=PREPAID_EXPIRY[2][1]))


def prepaid_stage(expires_at: dt.datetime, now: dt.datetime) -> str:
    if now < expires_at:
        return "active"
    if now < prepaid_stops_at(expires_at):
        return "grace"
    if now < prepaid_destroyed_at(expires_at):
        return "stopped"
    return "destroyed"


def trial_reclaims_at(stopped_at: dt.datetime) -> dt.datetime:
    return day_start(billing_day(stopped_at) + dt.timedelta(days=TRIAL_OVER_LIMIT[1][1]))


def arrears_stops_at(arrears_since: dt.datetime) -> dt.datetime:
    return arrears_since + ARREARS[1][1]


def arrears_reclaims_at(stopped_at: dt.datetime) -> dt.datetime:
    """Seven days after the stop itself (a run that stopped the app late moves this too)."""
    return stopped_at + (ARREARS[2][1] - ARREARS[1][1])


@dataclass(frozen=True)
class Countdown:
    """What happens next and when; `then` is what follows if nothing is done."""

    next: str
    at: dt.datetime
    unless: str
    then: str = ""
    then_at: dt.datetime | None = None


def app_countdown(
    *,
    state: str,
    stop_reason: str,
    stopped_at: dt.datetime | None,
    billing_mode: str,
    charity: bool,
    expires_at: dt.datetime | None,
    arrears_since: dt.datetime | None,
    big_customer: bool,
    now: dt.datetime,
) -> Countdown | None:
    """The countdown the console and the admin show for one app, or None (nothing scheduled)."""
    if state == "destroyed" or charity:
        return None
    if expires_at is not None:
        stage = prepaid_stage(expires_at, now)
        destroyed = prepaid_destroyed_at(expires_at)
        if stage == "active":
            return Countdown("expires", expires_at, "renew", "stops", prepaid_stops_at(expires_at))
        if stage == "grace":
            return Countdown("stops", prepaid_stops_at(expires_at), "renew", "destroyed", destroyed)
        if stage == "stopped" and state == "stopped":
            return Countdown("destroyed", destroyed, "support_renews")
        return None
    if state == "stopped" and stop_reason == "trial_over_limit" and stopped_at:
        return Countdown("reclaimed", trial_reclaims_at(stopped_at), "back_under_limit_or_paid")
    if billing_mode == "postpaid" and arrears_since is not None and not big_customer:
        if state == "active":
            stops = arrears_stops_at(arrears_since)
            return Countdown("stops", stops, "debt_paid", "reclaimed", arrears_reclaims_at(stops))
        if stop_reason == "arrears" and stopped_at:
            return Countdown("reclaimed", arrears_reclaims_at(stopped_at), "debt_paid")
    return None


def _when(instant: dt.datetime) -> str:
    return instant.astimezone(BILLING_TZ).strftime("%Y-%m-%d %H:%M")


def describe(countdown: Countdown | None) -> str:
    """The countdown as one sentence in the active language (console, admin)."""
    if countdown is None:
        return ""
    at, then_at = _when(countdown.at), countdown.then_at and _when(countdown.then_at)
    match (countdown.next, countdown.unless):
        case ("expires", _):
            return _("Expires %(at)s; stops %(then)s unless renewed.") % {"at": at, "then": then_at}
        case ("stops", "renew"):
            return _("Stops %(at)s unless renewed; data destroyed %(then)s.") % {
                "at": at,
                "then": then_at,
            }
        case ("stops", "debt_paid"):
            return _("Stops %(at)s unless the debt is paid; reclaimed %(then)s.") % {
                "at": at,
                "then": then_at,
            }
        case ("destroyed", _):
            return _("Data destroyed %(at)s unless support renews it.") % {"at": at}
        case ("reclaimed", "debt_paid"):
            return _("Reclaimed %(at)s unless the debt is paid.") % {"at": at}
        case ("reclaimed", _):
            return _(
                "Reclaimed %(at)s unless DAU is back within the trial limit or a paid mode is "
                "chosen."
            ) % {"at": at}
    raise ValueError(countdown)
