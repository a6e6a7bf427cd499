"""The push app list and an app's page (SPEC.md §3), and removing a destroyed app."""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import policy, pricing, roles, stages
from billing.days import billing_day
from billing.errors import BillingError
from billing.models import (
    Account,
    Order,
    PostpaidBillLine,
    Product,
    PushApp,
    PushDauDaily,
    PushSubscription,
)
from billing.selectors import app_countdown
from billing.services import push as push_services
from billing.text import NAME_LENGTH
from console.access import console_view, spend_blocker

from .blockers import buy_blocker, postpaid_blocker, renew_blocker, upgrade_blocker


@dataclass
class AppRow:
    app: PushApp
    subscription: PushSubscription | None
    today_dau: int | None
    month_peak: int | None
    countdown: str = ""

    @property
    def postpaid_blocker(self) -> str:
        return postpaid_blocker(self.app, self.subscription)

    @property
    def over_capacity(self) -> bool:
        if self.app.throttled:
            return True
        sub = self.subscription
        return bool(
            sub and self.month_peak and self.month_peak > sub.capacity_wan * pricing.DAU_PER_WAN
        )


def _active_subscriptions():
    return Prefetch(
        "subscriptions",
        queryset=PushSubscription.objects.filter(state=PushSubscription.State.ACTIVE),
        to_attr="active_subscriptions",
    )


def app_rows(apps, *, now: dt.datetime) -> list[AppRow]:
    """Each app with its active subscription, today's DAU and this month's DAU peak.

    Days are Asia/Shanghai days (billing.days), like the metering that writes PushDauDaily.
    """
    apps = list(apps.select_related("account").prefetch_related(_active_subscriptions()))
    today = billing_day(now)
    ids = [app.pk for app in apps]
    today_dau = dict(
        PushDauDaily.objects.filter(app_id__in=ids, day=today).values_list("app_id", "dau")
    )
    month_peak = dict(
        PushDauDaily.objects.filter(app_id__in=ids, day__gte=today.replace(day=1), day__lte=today)
        .values("app_id")
        .annotate(peak=Max("dau"))
        .values_list("app_id", "peak")
    )
    return [
        AppRow(
            app=app,
            subscription=app.active_subscriptions[0] if app.active_subscriptions else None,
            today_dau=today_dau.get(app.pk),
            month_peak=month_peak.get(app.pk),
            countdown=stages.describe(
                app_countdown(
                    app,
                    subscription=app.active_subscriptions[0] if app.active_subscriptions else None,
                    now=now,
                )
            ),
        )
        for app in apps
    ]


def own_app(request, app_id: int) -> PushApp:
    return get_object_or_404(PushApp, pk=app_id, account=request.acting.account)


def own_subscription(request, subscription_id: int) -> PushSubscription:
    return get_object_or_404(
        PushSubscription.objects.select_related("app"),
        pk=subscription_id,
        app__account=request.acting.account,
    )


def push_product() -> Product:
    return Product.objects.get(code=Product.Code.PUSH)


def _platform_counts(account: Account) -> dict[str, int]:
    counts = dict(
        account.push_apps.exclude(state=PushApp.State.DESTROYED)
        .values("platform")
        .annotate(n=Count("id"))
        .values_list("platform", "n")
    )
    return {value: counts.get(value, 0) for value in PushApp.Platform.values}


def platform_usage(account: Account) -> list[dict]:
    counts = _platform_counts(account)
    return [
        {
            "value": value,
            "label": label,
            "count": counts[value],
            "full": counts[value] >= policy.PUSH_APPS_PER_PLATFORM,
        }
        for value, label in PushApp.Platform.choices
    ]


APPS_PER_PAGE = 25


def list_context(request) -> dict:
    account = request.acting.account
    platform = request.GET.get("platform", "")
    if platform not in PushApp.Platform.values:
        platform = ""
    apps = account.push_apps.filter(hidden_at__isnull=True)
    if platform:
        apps = apps.filter(platform=platform)
    query = request.GET.get("q", "").strip()[:NAME_LENGTH]
    if query:
        apps = apps.filter(Q(name__icontains=query) | Q(access_id__startswith=query))
    # 150 apps fit an account (50 per platform); a page of 25 keeps the DAU reads small.
    page = Paginator(apps.order_by("id"), APPS_PER_PAGE).get_page(request.GET.get("page"))
    platforms = platform_usage(account)
    return {
        "rows": app_rows(page.object_list, now=timezone.now()),
        "page": page,
        "query": query,
        "filters": urlencode({k: v for k, v in (("platform", platform), ("q", query)) if v}),
        "platform": platform,
        "platforms": platforms,
        "total_apps": sum(item["count"] for item in platforms),
        "app_limit": policy.PUSH_APPS_PER_PLATFORM,
        "postpaid_limit": policy.PUSH_POSTPAID_BATCH_LIMIT,
        "can_create": roles.can_manage_resources(request.acting.role),
        "spend_blocker": spend_blocker(request.acting),
    }


@console_view()
@require_GET
def push_list(request):
    context = list_context(request)
    if request.htmx and request.htmx.target == "push-apps":
        return render(request, "console/push/list.html#apps", context)
    return render(request, "console/push/list.html", context)


@console_view()
def app_detail(request, app_id: int):
    app = own_app(request, app_id)
    now = timezone.now()
    (row,) = app_rows(PushApp.objects.filter(pk=app.pk), now=now)
    sub = row.subscription
    today = billing_day(now)
    dau_days = list(
        PushDauDaily.objects.filter(app=app, day__gt=today - dt.timedelta(days=30)).order_by("-day")
    )
    context = {
        "app": row.app,
        "row": row,
        "subscription": sub,
        "dau_days": dau_days,
        "dau_max": max((day.dau for day in dau_days), default=0),
        "orders": Order.objects.filter(account=request.acting.account, app=app)[:10],
        "bill_lines": PostpaidBillLine.objects.filter(app=app)[:10],
        "buy_blocker": buy_blocker(request.acting, app, sub),
        "upgrade_blocker": upgrade_blocker(request.acting, app, sub, now=now),
        "renew_blocker": renew_blocker(request.acting, sub, now=now) if sub else "",
        "postpaid_blocker": postpaid_blocker(app, sub),
        "days_after_expiry": push_services.days_after_expiry(sub, now=now) if sub else None,
        "days_left": push_services.upgrade_days_left(sub, now=now) if sub else None,
        "trial_dau_limit": policy.PUSH_TRIAL_DAU_LIMIT,
        "can_hide": roles.can_manage_resources(request.acting.role) and app.hidden_at is None,
        "can_rename": roles.can_manage_resources(request.acting.role)
        and app.state != PushApp.State.DESTROYED,
    }
    return render(request, "console/push/detail.html", context)


@console_view(allow=roles.can_manage_resources)
@require_POST
def rename_app(request, app_id: int):
    app = own_app(request, app_id)
    try:
        changed = push_services.rename_app(
            acting=request.acting, app=app, name=request.POST.get("name", "")
        )
    except BillingError as error:
        messages.error(request, str(error))
    else:
        if changed:
            messages.success(request, _("App renamed."))
    return redirect("console:push_app", app_id=app.pk)


@console_view(allow=roles.can_manage_resources)
@require_POST
def hide_app(request, app_id: int):
    app = own_app(request, app_id)
    try:
        push_services.hide_destroyed_app(acting=request.acting, app=app)
    except BillingError as error:
        messages.error(request, str(error))
        return redirect("console:push_app", app_id=app.pk)
    messages.success(
        request,
        _("%(name)s was removed from the list; its orders and bills are kept.")
        % {"name": app.name},
    )
    return redirect("console:push")


def query_string(form) -> str:
    return urlencode({name: form.data.get(name, "") for name in form.fields})
