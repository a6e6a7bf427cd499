"""May the service be used right now? Hot paths, served from the cache (Redis).

Every cached answer is keyed by the account's entitlement version; any change to the account's
packs, apps, subscriptions or balance bumps the version, so a stale answer is never served.
"""

from django.core.cache import cache
from django.db.models import F, Sum
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from billing import policy
from billing.models import Account, CaptchaApp, CaptchaPack, PushApp, PushSubscription

TTL = 300


def _version_key(account_id: int) -> str:
    return f"ent:v:{account_id}"


def invalidate(account_id: int) -> None:
    key = _version_key(account_id)
    cache.add(key, 0, timeout=None)
    cache.incr(key)


def _cached(account_id: int, name: str, compute):
    version = cache.get(_version_key(account_id), 0)
    key = f"ent:{account_id}:{version}:{name}"
    answer = cache.get(key)
    if answer is None:
        answer = compute()
        cache.set(key, answer, TTL)
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
        and account.arrears_since <= now - policy.ARREARS_GRACE
        and account.cash_balance < 0
    )


def captcha_entitlement(*, app: CaptchaApp) -> dict:
    def compute():
        now = timezone.now()
        account = Account.objects.get(pk=app.account_id)
        remaining = (
            CaptchaPack.objects.filter(
                account=account, refunded_at__isnull=True, expires_at__gt=now, used__lt=F("size")
            ).aggregate(left=Sum(F("size") - F("used")))["left"]
            or 0
        )
        postpaid = (
            account.captcha_postpaid == Account.CaptchaPostpaid.ON
            and not captcha_is_stopped_for_arrears(account, now=now)
        )
        active = remaining > 0 or postpaid
        return {
            "app_id": app.captcha_app_id,
            "service": "active" if active else "stopped",
            "source": "packs" if remaining > 0 else ("postpaid" if postpaid else None),
            "remaining": remaining,
        }

    return _cached(app.account_id, f"captcha:{app.pk}", compute)


def push_service(*, app: PushApp) -> dict:
    def compute():
        fresh = PushApp.objects.get(pk=app.pk)
        return {
            "access_id": fresh.access_id,
            "state": fresh.state,
            "push_allowed": fresh.state == PushApp.State.ACTIVE,
            # While stopped, device registration and account/tag binding keep working.
            "registration_allowed": fresh.state != PushApp.State.DESTROYED,
            "throttled": fresh.throttled,
        }

    return _cached(app.account_id, f"push:{app.pk}", compute)
