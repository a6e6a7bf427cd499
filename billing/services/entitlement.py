"""May the service be used right now? Hot paths, served from the cache (Redis).

Answers are cached under the account's entitlement version and the app's public id (CAPTCHA app
ID or push Access ID). Any change to the account's packs, apps, subscriptions or balance bumps
the version, so a stale answer is never served; an answer that time alone will change (a pack
expiring, the 24-hour arrears grace ending) is cached only until that moment.

The version is bumped at once (so the writer's own transaction reads its change) and again when
the transaction commits: a reader that computed from the old rows between the two bumps stored
its answer under a version nobody asks for any more.

billing/api/fast.py answers entitlement requests from these keys without Django's request
machinery; on a miss it hands the request to the Django view, which computes and stores.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F, Min, Sum
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from billing import hot_store, stages
from billing.models import Account, CaptchaApp, CaptchaPack, PushApp, PushSubscription

TTL = 300
CAPTCHA, PUSH = "captcha", "push"


def _version_key(account_id: int) -> str:
    return hot_store.key("ent", "v", account_id)


def _bump(account_id: int) -> None:
    hot_store.incr(_version_key(account_id))


def invalidate(account_id: int) -> None:
    _bump(account_id)
    transaction.on_commit(lambda: _bump(account_id))


def _answer_key(account_id: int, version: int, product: str, public_id) -> str:
    return hot_store.key("ent", account_id, version, product, public_id)


def cached_answer(account_id: int, product: str, public_id) -> bytes | None:
    """The cached answer (JSON) for this account's app, or None. Two Redis reads, no database.

    An answer is only ever stored after the app was found to be this account's, so a hit also
    proves ownership.
    """
    version = hot_store.get_int(_version_key(account_id))
    return hot_store.get_raw(_answer_key(account_id, version, product, public_id))


def _answer(account_id: int, product: str, public_id, compute) -> dict:
    version = hot_store.get_int(_version_key(account_id))
    key = _answer_key(account_id, version, product, public_id)
    answer = hot_store.get_json(key)
    if answer is None:
        now = timezone.now()
        answer, changes_at = compute(now)
        timeout = TTL
        if changes_at is not None:
            timeout = max(0, min(TTL, int((changes_at - now).total_seconds())))
        if timeout:
            hot_store.set_json(key, answer, timeout)
    return answer


@receiver(post_save, sender=Account)
@receiver(post_save, sender=PushApp)
@receiver(post_save, sender=CaptchaPack)
def _saved(sender, instance, **kwargs):
    invalidate(instance.pk if sender is Account else instance.account_id)


@receiver(post_save, sender=PushSubscription)
def _subscription_saved(sender, instance, **kwargs):
    invalidate(instance.app.account_id)


def captcha_is_stopped_for_arrears(account: Account, *, now) -> bool:
    return (
        not account.big_customer
        and account.arrears_since is not None
        and stages.arrears_stops_at(account.arrears_since) <= now
        and account.cash_balance < 0
    )


def _live_packs(account: Account, *, now) -> dict:
    return (
        CaptchaPack.objects.live(at=now)
        .filter(account=account)
        .aggregate(left=Sum(F("size") - F("used")), first_expiry=Min("expires_at"))
    )


def captcha_postpaid_usable(account: Account, *, now) -> bool:
    return account.captcha_postpaid == Account.CaptchaPostpaid.ON and not (
        captcha_is_stopped_for_arrears(account, now=now)
    )


def captcha_service_active(account: Account, *, now) -> bool:
    """Uncached: counts left in a live pack, or postpaid overage allowed."""
    return bool(_live_packs(account, now=now)["left"]) or captcha_postpaid_usable(account, now=now)


def captcha_entitlement(*, app: CaptchaApp) -> dict:
    def compute(now: dt.datetime):
        account = Account.objects.get(pk=app.account_id)
        live = _live_packs(account, now=now)
        remaining = live["left"] or 0
        postpaid = captcha_postpaid_usable(account, now=now)
        # Time alone changes the answer when a live pack expires or the arrears grace ends.
        changes = [live["first_expiry"]]
        if postpaid and account.arrears_since is not None and not account.big_customer:
            changes.append(stages.arrears_stops_at(account.arrears_since))
        changes_at = min((moment for moment in changes if moment is not None), default=None)
        active = remaining > 0 or postpaid
        answer = {
            "app_id": app.captcha_app_id,
            "service": "active" if active else "stopped",
            "source": "packs" if remaining > 0 else ("postpaid" if postpaid else None),
            "remaining": remaining,
        }
        return answer, changes_at

    return _answer(app.account_id, CAPTCHA, app.captcha_app_id, compute)


def push_service(*, app: PushApp) -> dict:
    # Push state changes only through saves (billing run, purchases, refunds): no time bound.
    def compute(now: dt.datetime):
        fresh = PushApp.objects.get(pk=app.pk)
        answer = {
            "access_id": fresh.access_id,
            "state": fresh.state,
            "push_allowed": fresh.state == PushApp.State.ACTIVE,
            # While stopped, device registration and account/tag binding keep working.
            "registration_allowed": fresh.state != PushApp.State.DESTROYED,
            "throttled": fresh.throttled,
        }
        return answer, None

    return _answer(app.account_id, PUSH, app.access_id, compute)
