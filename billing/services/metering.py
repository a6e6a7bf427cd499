"""Usage in: CAPTCHA verification events and push DAU reports (SPEC.md §2, §3)."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from billing import policy
from billing.days import billing_day
from billing.errors import BillingError
from billing.models import Account, CaptchaApp, CaptchaPack, PushApp

from . import entitlement
from .ledger import lock_account
from .notices import notify

MAX_BATCH = 10_000
MAX_TICKET = 128


@dataclass(frozen=True)
class IngestResult:
    received: int
    duplicates: int
    from_packs: int
    overage: int
    refused: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


# How far a verification's time may be from the server's clock. Later than the skew would let a
# client choose the (future) day its overage is billed; older than the window would reopen days
# long settled.
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_EVENT_AGE = dt.timedelta(days=30)
# The DAU column is a PostgreSQL integer (int4).
MAX_DAU = 2_147_483_647


def parse_events(
    *, account: Account, events, now: dt.datetime | None = None
) -> list[tuple[str, int, dt.datetime]]:
    """Validate the whole batch first: one bad event refuses the batch and stores nothing."""
    now = now or timezone.now()
    if not isinstance(events, list) or not events:
        raise BillingError("events must be a non-empty list")
    if len(events) > MAX_BATCH:
        raise BillingError(f"at most {MAX_BATCH} events per batch")
    apps = dict(CaptchaApp.objects.filter(account=account).values_list("captcha_app_id", "pk"))
    parsed = []
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise BillingError(f"events[{index}] must be an object")
        ticket, app_id, when = event.get("ticket"), event.get("app_id"), event.get("verified_at")
        if not isinstance(ticket, str) or not ticket or len(ticket) > MAX_TICKET:
            raise BillingError(f"events[{index}].ticket must be a string of 1-{MAX_TICKET} chars")
        if not ticket.isprintable():
            raise BillingError(f"events[{index}].ticket must not contain control characters")
        if not isinstance(app_id, int) or isinstance(app_id, bool) or app_id not in apps:
            raise BillingError(f"events[{index}].app_id is not one of this account's apps")
        try:
            verified_at = dt.datetime.fromisoformat(when)
        except (TypeError, ValueError):
            raise BillingError(f"events[{index}].verified_at must be an ISO time") from None
        if verified_at.tzinfo is None:
            raise BillingError(f"events[{index}].verified_at needs a time zone offset")
        try:
            too_late = verified_at > now + MAX_CLOCK_SKEW
            too_old = verified_at < now - MAX_EVENT_AGE
        except OverflowError:  # an offset that pushes the time past year 1 or 9999
            too_late = too_old = True
        if too_late or too_old:
            raise BillingError(
                f"events[{index}].verified_at must be within the last 30 days and not in the future"
            )
        parsed.append((ticket, apps[app_id], verified_at))
    # Inserted in ticket order: two batches sharing tickets then take their index locks in the
    # same order and cannot deadlock.
    parsed.sort(key=lambda event: event[0])
    return parsed


def ingest_verifications(*, account: Account, events, now: dt.datetime) -> IngestResult:
    parsed = parse_events(account=account, events=events, now=now)
    with transaction.atomic():
        # Durable before the call returns; a ticket this account reported before (in this batch
        # or any other) is skipped by the unique index. Other accounts' tickets are not looked at.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO billing_verificationevent
                    (ticket, account_id, captcha_app_id, verified_at, day, received_at)
                SELECT t, %s, a, v, (v AT TIME ZONE 'Asia/Shanghai')::date, %s
                FROM unnest(%s::text[], %s::bigint[], %s::timestamptz[]) AS e(t, a, v)
                ON CONFLICT (account_id, ticket) DO NOTHING
                RETURNING day
                """,
                [
                    account.pk,
                    now,
                    [p[0] for p in parsed],
                    [p[1] for p in parsed],
                    [p[2] for p in parsed],
                ],
            )
            new_by_day = Counter(row[0] for row in cursor.fetchall())
        fresh = sum(new_by_day.values())
        from_packs = overage = refused = 0
        if fresh:
            locked = lock_account(account.pk)
            # The 90% notice looks at the packs live when this batch started: one batch that runs
            # them from 80% to empty still crosses 90% while they are live.
            live_before = list(
                CaptchaPack.objects.live(at=now).filter(account=locked).values_list("pk", flat=True)
            )
            for day, count in sorted(new_by_day.items()):
                taken = _consume_packs(locked, count, now=now)
                rest = count - taken
                over = rest if entitlement.captcha_postpaid_usable(locked, now=now) else 0
                from_packs, overage, refused = (
                    from_packs + taken,
                    overage + over,
                    refused + rest - over,
                )
                _record_usage(locked, day, count, over)
            if refused:
                notify(
                    kind="captcha_service_stopped",
                    account=locked,
                    subject=locked,
                    day=billing_day(now),
                    context={"stopped_at": now, "reason": _stop_reason(locked, now=now)},
                )
            _check_usage_alert(locked, packs=live_before, now=now)
            entitlement.invalidate(locked.pk)
    return IngestResult(len(parsed), len(parsed) - fresh, from_packs, overage, refused)


def _stop_reason(account: Account, *, now) -> str:
    if account.captcha_postpaid == Account.CaptchaPostpaid.ON and (
        entitlement.captcha_is_stopped_for_arrears(account, now=now)
    ):
        return "arrears"
    return "packs_used_up" if account.packs.exclude(kind="trial").exists() else "trial_ended"


def _consume_packs(account: Account, count: int, *, now) -> int:
    """SPEC.md §2 Decision: the live pack (trial included) that expires first; ties by purchase."""
    taken = 0
    live = (
        CaptchaPack.objects.select_for_update()
        .live(at=now)
        .filter(account=account)
        .order_by("expires_at", "bought_at", "id")
    )
    for pack in live:
        if taken == count:
            break
        take = min(pack.size - pack.used, count - taken)
        CaptchaPack.objects.filter(pk=pack.pk).update(used=F("used") + take)
        taken += take
    return taken


def _record_usage(account: Account, day: dt.date, count: int, overage: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO billing_captchausagedaily (account_id, day, verifications, overage)
            VALUES (%s, %s, %s, %s)
            ON CONFLICT (account_id, day) DO UPDATE SET
                verifications = billing_captchausagedaily.verifications + EXCLUDED.verifications,
                overage = billing_captchausagedaily.overage + EXCLUDED.overage
            """,
            [account.pk, day, count, overage],
        )


def live_pack_usage(account: Account, *, now) -> tuple[int, int]:
    """(used, total) over the live packs: the figures the console shows and the 90% notice uses."""
    live = CaptchaPack.objects.live(at=now).filter(account=account).values_list("size", "used")
    return sum(used for _size, used in live), sum(size for size, _used in live)


def usage_exceeds_alert(used: int, total: int) -> bool:
    """SPEC.md §2: more than 90% of the live packs' total; exactly 90% is not."""
    return bool(total) and used > total * policy.CAPTCHA_USAGE_ALERT_RATIO


def _check_usage_alert(account: Account, *, packs: list[int], now) -> None:
    rows = list(CaptchaPack.objects.filter(pk__in=packs).values_list("size", "used"))
    used, total = sum(u for _s, u in rows), sum(size for size, _u in rows)
    if usage_exceeds_alert(used, total) and not account.captcha_usage_alert_sent:
        account.captcha_usage_alert_sent = True
        account.save(update_fields=["captcha_usage_alert_sent"])
        notify(
            kind="captcha_usage_90",
            account=account,
            subject=account,
            day=billing_day(now),
            context={"used": used, "total": total},
        )


def rearm_usage_alert(account: Account, *, now) -> None:
    """After a purchase: usage back under 90% re-arms the notice (SPEC.md §2 Decision)."""
    used, total = live_pack_usage(account, now=now)
    if account.captcha_usage_alert_sent and not usage_exceeds_alert(used, total):
        account.captcha_usage_alert_sent = False
        account.save(update_fields=["captcha_usage_alert_sent"])


def report_dau(*, app: PushApp, day: dt.date, dau: int, now: dt.datetime) -> int:
    """The day's cumulative DAU; the highest value reported stands. Returns the value kept."""
    if not isinstance(dau, int) or isinstance(dau, bool) or not 0 <= dau <= MAX_DAU:
        raise BillingError(f"dau must be an integer from 0 to {MAX_DAU:,}")
    if app.state == PushApp.State.DESTROYED:
        raise BillingError("this app was destroyed or reclaimed; it has no usage to report")
    if day > billing_day(now):
        raise BillingError("DAU cannot be reported for a future day")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO billing_pushdaudaily (app_id, day, dau, reported_at)
            VALUES (%s, %s, %s, %s)
            ON CONFLICT (app_id, day) DO UPDATE SET
                dau = GREATEST(billing_pushdaudaily.dau, EXCLUDED.dau),
                reported_at = EXCLUDED.reported_at
            RETURNING dau
            """,
            [app.pk, day, dau, now],
        )
        (kept,) = cursor.fetchone()
    return kept
