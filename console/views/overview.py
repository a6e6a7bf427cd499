import datetime as dt

from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils import timezone

from billing import policy, stages
from billing.models import CaptchaPack, PushApp, PushSubscription
from console.access import console_view
from console.views.push.blockers import renew_blocker

EXPIRING_WITHIN = dt.timedelta(days=max(policy.PUSH_EXPIRY_REMINDER_DAYS_BEFORE))


@console_view()
def overview(request):
    account = request.acting.account
    now = timezone.now()
    soon = now + EXPIRING_WITHIN
    live_packs = CaptchaPack.objects.live(at=now).filter(account=account)
    packs = live_packs.aggregate(size=Sum("size"), used=Sum("used"), count=Count("id"))
    apps = PushApp.objects.filter(account=account).aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(state=PushApp.State.ACTIVE)),
        stopped=Count("id", filter=Q(state=PushApp.State.STOPPED)),
        destroyed=Count("id", filter=Q(state=PushApp.State.DESTROYED)),
        prepaid=Count("id", filter=Q(billing_mode=PushApp.BillingMode.PREPAID)),
        postpaid=Count("id", filter=Q(billing_mode=PushApp.BillingMode.POSTPAID)),
        throttled=Count("id", filter=Q(throttled=True)),
    )
    vouchers = account.vouchers.filter(used_at__isnull=True, expires_at__gt=now).aggregate(
        count=Count("id"), amount=Sum("amount")
    )
    context = {
        "packs": {**packs, "remaining": (packs["size"] or 0) - (packs["used"] or 0)},
        "apps": apps,
        "vouchers": vouchers,
        "expiring_packs": live_packs.filter(expires_at__lte=soon).order_by("expires_at"),
        # Still running, or expired and renewable by the customer (the grace days); a stopped
        # app is listed under stopped apps, with what can be done about it.
        "expiring_subscriptions": [
            {
                "sub": sub,
                "expired": sub.expires_at <= now,
                "blocker": renew_blocker(request.acting, sub, now=now),
            }
            for sub in PushSubscription.objects.filter(
                app__account=account,
                state=PushSubscription.State.ACTIVE,
                app__state=PushApp.State.ACTIVE,
                expires_at__lte=soon,
            )
            .select_related("app")
            .order_by("expires_at")
        ],
        "stopped_apps": PushApp.objects.filter(account=account, state=PushApp.State.STOPPED),
        # SPEC §3 arrears: the stop comes ARREARS_GRACE after the debt arose (never for big
        # customers); shown as the instant, not as a number of hours written in the page.
        "arrears_stops_at": stages.arrears_stops_at(account.arrears_since)
        if account.arrears_since and stages.arrears_stops_at(account.arrears_since) > now
        else None,
    }
    return render(request, "console/overview.html", context)
