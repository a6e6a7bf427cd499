"""Mobile Push: apps, prepaid purchase, upgrade, renewal checkout and postpaid (SPEC.md §3).

Views parse input and call one service; the rules live in billing.services.push. Where a rule
blocks an action the page says so in words (the `*_blocker` helpers) instead of hiding it.
"""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, Max, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import replace_url, reswap, retarget, trigger_client_event

from billing import policy, pricing, roles, stages
from billing.days import billing_day
from billing.errors import BillingError
from billing.models import (
    AccessPoint,
    Account,
    Order,
    PostpaidBillLine,
    Product,
    PushApp,
    PushDauDaily,
    PushSubscription,
)
from billing.selectors import Acting, app_countdown
from billing.services import push as push_services
from billing.services.checkout import role_refusal
from console.access import console_view, spend_blocker
from console.checkout import checkout
from console.forms_push import (
    CreatePushAppForm,
    PostpaidForm,
    PrepaidForm,
    UpgradeForm,
)

# --- What blocks an action, in words -----------------------------------------------------------


def buy_blocker(acting: Acting, app: PushApp, subscription: PushSubscription | None) -> str:
    if app.state == PushApp.State.DESTROYED:
        return _("This app's data was destroyed; create a new app.")
    if app.charity:
        return _("Charity apps are free forever; there is nothing to buy.")
    if subscription:
        return _("This app already has prepaid service; renew or upgrade it instead.")
    if app.billing_mode == PushApp.BillingMode.POSTPAID:
        return _("Postpaid cannot be cancelled, so this app cannot switch to prepaid online.")
    return spend_blocker(acting)


def upgrade_blocker(
    acting: Acting, app: PushApp, subscription: PushSubscription | None, *, now: dt.datetime
) -> str:
    return (
        push_services.upgrade_refusal(acting=acting, app=app, subscription=subscription, now=now)
        or ""
    )


def renew_blocker(acting: Acting, subscription: PushSubscription, *, now: dt.datetime) -> str:
    app = subscription.app
    if subscription.state != PushSubscription.State.ACTIVE:
        return _("This subscription has ended; buy prepaid service again.")
    if app.state == PushApp.State.DESTROYED:
        return _("This app's data was destroyed; create a new app.")
    days_after = push_services.days_after_expiry(subscription, now=now)
    if days_after >= policy.PUSH_STOP_DAY_AFTER_EXPIRY:
        return _(
            "The service was stopped on day %(day)d after expiry; "
            "only support can renew it now. Contact support."
        ) % {"day": policy.PUSH_STOP_DAY_AFTER_EXPIRY}
    return spend_blocker(acting)


def postpaid_blocker(app: PushApp, subscription: PushSubscription | None) -> str:
    return push_services.postpaid_app_refusal(app=app, subscription=subscription) or ""


def postpaid_account_blocker(acting: Acting) -> str:
    """The role first, then what the service refuses for the whole account."""
    return (
        role_refusal(acting=acting)
        or push_services.postpaid_account_refusal(account=acting.account)
        or ""
    )


# --- Reading ---------------------------------------------------------------------------------


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


def _own_app(request, app_id: int) -> PushApp:
    return get_object_or_404(PushApp, pk=app_id, account=request.acting.account)


def _own_subscription(request, subscription_id: int) -> PushSubscription:
    return get_object_or_404(
        PushSubscription.objects.select_related("app"),
        pk=subscription_id,
        app__account=request.acting.account,
    )


def _push_product() -> Product:
    return Product.objects.get(code=Product.Code.PUSH)


def _platform_counts(account: Account) -> dict[str, int]:
    counts = dict(
        account.push_apps.exclude(state=PushApp.State.DESTROYED)
        .values("platform")
        .annotate(n=Count("id"))
        .values_list("platform", "n")
    )
    return {value: counts.get(value, 0) for value in PushApp.Platform.values}


def _platform_usage(account: Account) -> list[dict]:
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


def _list_context(request) -> dict:
    account = request.acting.account
    platform = request.GET.get("platform", "")
    if platform not in PushApp.Platform.values:
        platform = ""
    apps = account.push_apps.filter(hidden_at__isnull=True)
    if platform:
        apps = apps.filter(platform=platform)
    platforms = _platform_usage(account)
    return {
        "rows": app_rows(apps, now=timezone.now()),
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
    context = _list_context(request)
    if request.htmx and request.htmx.target == "push-apps":
        return render(request, "console/push/list.html#apps", context)
    return render(request, "console/push/list.html", context)


@console_view()
def app_detail(request, app_id: int):
    app = _own_app(request, app_id)
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
    }
    return render(request, "console/push/detail.html", context)


@console_view(allow=roles.can_manage_resources)
@require_POST
def hide_app(request, app_id: int):
    app = _own_app(request, app_id)
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


# --- Creating an app -------------------------------------------------------------------------


@console_view(allow=roles.can_manage_resources)
@require_http_methods(["GET", "POST"])
def create_app(request):
    account = request.acting.account
    form = CreatePushAppForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            app = push_services.create_app(
                acting=request.acting,
                platform=form.cleaned_data["platform"],
                name=form.cleaned_data["name"],
                access_point=form.cleaned_data["access_point"],
            )
        except BillingError as error:
            form.add_error(None, str(error))
        else:
            message = _("App “%(name)s” created with Access ID %(access_id)s.") % {
                "name": app.name,
                "access_id": app.access_id,
            }
            if request.htmx:
                response = render(
                    request,
                    "console/push/list.html#created",
                    {**_list_context(request), "created": app},
                )
                return trigger_client_event(
                    response, "toast", {"message": message, "level": "success"}
                )
            messages.success(request, message)
            return redirect("console:push")
    context = {
        "form": form,
        "platforms": _platform_usage(account),
        "app_limit": policy.PUSH_APPS_PER_PLATFORM,
        "can_create": roles.can_manage_resources(request.acting.role),
    }
    # A POST that gets here was refused: the form comes back with its errors (console.htmx).
    status = 400 if request.method == "POST" else 200
    if request.htmx:
        response = render(request, "console/push/create.html#create-form", context, status=status)
        if request.method == "POST":
            response = reswap(retarget(response, "#create-slot"), "innerHTML")
        return response
    return render(request, "console/push/create.html", context, status=status)


# --- Buying prepaid --------------------------------------------------------------------------


def _query(form) -> str:
    return urlencode({name: form.data.get(name, "") for name in form.fields})


def _prepaid_preview(app: PushApp, form: PrepaidForm) -> dict:
    """The quote for a valid form, or the form's errors; never raises."""
    if not form.is_bound or not form.is_valid():
        return {"form": form, "quote": None}
    capacity_wan, months = form.cleaned_data["capacity_wan"], form.cleaned_data["months"]
    try:
        quote = pricing.push_prepaid_quote(
            region=app.access_point, capacity_wan=capacity_wan, months=months
        )
    except pricing.PricingError as error:
        form.add_error(None, str(error))
        return {"form": form, "quote": None}
    line = quote.lines[0]
    return {
        "form": form,
        "quote": quote,
        "line": line,
        "capacity_wan": capacity_wan,
        "months": months,
        "from_dau": form.cleaned_data["unit"] == PrepaidForm.UNIT_DAU,
        "dau": form.cleaned_data["capacity"],
        "discount_percent": int(line.discount_rate * 100),
    }


def _buy_context(request, app: PushApp, form: PrepaidForm) -> dict:
    (row,) = app_rows(PushApp.objects.filter(pk=app.pk), now=timezone.now())
    return {
        "app": app,
        "row": row,
        "blocker": buy_blocker(request.acting, app, row.subscription),
        "preview": _prepaid_preview(app, form),
        "form": form,
        "overseas": app.is_overseas,
        "discount_table": _discount_table(app.access_point) if app.is_overseas else None,
    }


def _discount_table(region: str) -> list[dict]:
    """The overseas discount table of SPEC.md §3, read from billing.pricing."""
    rates = pricing.REGION_RATES[pricing.Region(region)].prepaid_discounts
    bands = list(pricing.DurationBand)
    rows, upper = [], None
    for smallest, rate_by_band in rates:
        rows.append(
            {
                "from": smallest,
                "to": upper,
                "rates": [
                    None if rate_by_band[band] == 1 else int(rate_by_band[band] * 100)
                    for band in bands
                ],
            }
        )
        upper = smallest - 1
    return list(reversed(rows))


def _prepaid_form(data) -> PrepaidForm:
    # Always bound, so the first view of the page already shows a price.
    return PrepaidForm(data or {"capacity": "1", "unit": PrepaidForm.UNIT_WAN, "months": "1"})


@console_view()
@require_GET
def buy_prepaid(request, app_id: int):
    app = _own_app(request, app_id)
    form = _prepaid_form(request.GET)
    return render(request, "console/push/buy.html", _buy_context(request, app, form))


@console_view()
@require_GET
def buy_prepaid_preview(request, app_id: int):
    app = _own_app(request, app_id)
    form = PrepaidForm(request.GET)
    response = render(request, "console/push/buy.html#preview", _buy_context(request, app, form))
    # Keep the address bookmarkable: the page URL follows the form without a history entry.
    page = reverse("console:push_buy", args=[app.pk]) + "?" + _query(form)
    return replace_url(response, page) if request.htmx else response


@console_view(allow=roles.can_spend)
@require_http_methods(["GET", "POST"])
def buy_prepaid_checkout(request, app_id: int):
    app = _own_app(request, app_id)
    form = PrepaidForm(request.GET)
    context = _buy_context(request, app, form)
    if context["preview"]["quote"] is None:
        return render(request, "console/push/buy.html", context, status=400)
    capacity_wan, months = form.cleaned_data["capacity_wan"], form.cleaned_data["months"]

    def execute(*, voucher_code, idempotency_key, expected_total):
        return push_services.buy_prepaid(
            acting=request.acting,
            user=request.user,
            app=app,
            capacity_wan=capacity_wan,
            months=months,
            idempotency_key=idempotency_key,
            voucher_code=voucher_code,
            expected_total=expected_total,
        )

    return checkout(
        request,
        title=_("Mobile Push prepaid: %(app)s") % {"app": app.name},
        description=_("%(capacity)s万 DAU peak for %(duration)s, %(access_point)s; starts today.")
        % {
            "capacity": capacity_wan,
            "duration": dict(form.fields["months"].choices)[months],
            "access_point": app.get_access_point_display(),
        },
        product=_push_product(),
        quote=context["preview"]["quote"],
        execute=execute,
        back_url=reverse("console:push_buy", args=[app.pk]) + "?" + _query(form),
    )


# --- Upgrading -------------------------------------------------------------------------------


DURATION_BAND_LABELS = {
    pricing.DurationBand.MONTHS_1_TO_5: gettext_lazy("1–5 months"),
    pricing.DurationBand.MONTHS_6_TO_11: gettext_lazy("6–11 months"),
    pricing.DurationBand.ONE_YEAR: gettext_lazy("1 year"),
    pricing.DurationBand.TWO_YEARS: gettext_lazy("2 years"),
}


def _upgrade_preview(app: PushApp, sub: PushSubscription, form: UpgradeForm, *, now) -> dict:
    """Everything shown comes from push_services.upgrade_quote, which upgrade() charges."""
    days = push_services.upgrade_days_left(sub, now=now)
    band_months = push_services.upgrade_band_months(sub)
    old_monthly = pricing.push_monthly_price(
        region=app.access_point, capacity_wan=sub.capacity_wan, months=band_months
    )
    base = {
        "form": form,
        "quote": None,
        "remaining_days": days,
        "old_monthly": pricing.to_fen(old_monthly),
        "band": DURATION_BAND_LABELS[pricing.duration_band(band_months)],
        "current": sub.capacity_wan,
    }
    if not form.is_bound or not form.is_valid() or days <= 0:
        return base
    capacity_wan = form.cleaned_data["capacity_wan"]
    try:
        quote = push_services.upgrade_quote(
            app=app, subscription=sub, to_capacity_wan=capacity_wan, now=now
        )
        new_monthly = pricing.push_monthly_price(
            region=app.access_point, capacity_wan=capacity_wan, months=band_months
        )
    except BillingError as error:
        form.add_error(None, str(error))
        return base
    return {
        **base,
        "quote": quote,
        "capacity_wan": capacity_wan,
        "new_monthly": pricing.to_fen(new_monthly),
    }


def _upgrade_context(request, app: PushApp, data) -> dict:
    now = timezone.now()
    (row,) = app_rows(PushApp.objects.filter(pk=app.pk), now=now)
    sub = row.subscription
    context = {
        "app": app,
        "row": row,
        "subscription": sub,
        "blocker": upgrade_blocker(request.acting, app, sub, now=now),
        "preview": None,
        "form": None,
    }
    if sub:
        form = UpgradeForm(
            data or {"capacity": str(sub.capacity_wan + 1), "unit": UpgradeForm.UNIT_WAN},
            current_capacity_wan=sub.capacity_wan,
        )
        context["form"] = form
        context["preview"] = _upgrade_preview(app, sub, form, now=now)
    return context


@console_view()
@require_GET
def upgrade(request, app_id: int):
    app = _own_app(request, app_id)
    return render(request, "console/push/upgrade.html", _upgrade_context(request, app, request.GET))


@console_view()
@require_GET
def upgrade_preview(request, app_id: int):
    app = _own_app(request, app_id)
    context = _upgrade_context(request, app, request.GET)
    response = render(request, "console/push/upgrade.html#preview", context)
    if request.htmx and context["form"] is not None:
        page = reverse("console:push_upgrade", args=[app.pk]) + "?" + _query(context["form"])
        response = replace_url(response, page)
    return response


@console_view(allow=roles.can_spend)
@require_http_methods(["GET", "POST"])
def upgrade_checkout(request, app_id: int):
    app = _own_app(request, app_id)
    context = _upgrade_context(request, app, request.GET)
    preview, sub = context["preview"], context["subscription"]
    if preview is None or preview["quote"] is None:
        return render(request, "console/push/upgrade.html", context, status=400)
    capacity_wan = preview["capacity_wan"]

    def execute(*, voucher_code, idempotency_key, expected_total):
        return push_services.upgrade(
            acting=request.acting,
            user=request.user,
            subscription=sub,
            to_capacity_wan=capacity_wan,
            idempotency_key=idempotency_key,
            voucher_code=voucher_code,
            expected_total=expected_total,
        )

    return checkout(
        request,
        title=_("Mobile Push upgrade: %(app)s") % {"app": app.name},
        description=_(
            "%(old)s万 → %(new)s万 DAU peak for the %(days)s days left; the expiry date "
            "(%(expiry)s) does not change."
        )
        % {
            "old": sub.capacity_wan,
            "new": capacity_wan,
            "days": preview["remaining_days"],
            "expiry": timezone.localtime(sub.expires_at).date().isoformat(),
        },
        product=_push_product(),
        quote=preview["quote"],
        execute=execute,
        back_url=reverse("console:push_upgrade", args=[app.pk]) + "?" + _query(context["form"]),
    )


# --- Postpaid --------------------------------------------------------------------------------


def postpaid_price_table() -> dict:
    """SPEC.md §3 postpaid prices and loyalty discounts, read from billing.pricing's tables."""
    regions: dict[tuple, dict] = {}
    for region, rates in pricing.REGION_RATES.items():
        key = (rates.postpaid_fixed_day, rates.postpaid_per_dau_day)
        group = regions.setdefault(key, {"names": [], "fixed": key[0], "per_dau": key[1]})
        group["names"].append(str(AccessPoint(region.value).label))
    loyalty, upper = [], None
    for first_day, rate in pricing.POSTPAID_LOYALTY_DISCOUNTS:
        loyalty.append(
            {
                "from": first_day,
                "to": upper,
                "percent": None if rate == 1 else int(rate * 100),
            }
        )
        upper = first_day - 1
    return {
        "regions": [{**group, "label": ", ".join(group["names"])} for group in regions.values()],
        "loyalty": list(reversed(loyalty)),
        "free_max": pricing.POSTPAID_FREE_DAU_MAX,
        "fixed_max": pricing.POSTPAID_FIXED_DAU_MAX,
    }


@console_view(allow=roles.can_spend)
@require_http_methods(["GET", "POST"])
def enable_postpaid(request):
    """Confirm (GET, the selection in the query string) and enable (POST) up to 50 apps."""
    data = request.POST if request.method == "POST" else request.GET
    form = PostpaidForm({"app": data.getlist("app")})
    error = ""
    apps = []
    if form.is_valid():
        ids = form.cleaned_data["app"]
        apps = list(PushApp.objects.filter(pk__in=ids, account=request.acting.account))
        if len(apps) != len(ids):
            # Another account's IDs are not found, exactly as a single app would be.
            raise Http404("No such app in this account.")
        if request.method == "POST":
            if data.get("confirm") != "1":
                error = _("Tick the box to confirm that postpaid cannot be cancelled.")
            else:
                try:
                    enabled = push_services.enable_postpaid(acting=request.acting, app_ids=ids)
                except BillingError as failure:
                    error = str(failure)
                else:
                    messages.success(
                        request,
                        ngettext(
                            "Postpaid is enabled for %(count)d app: %(names)s.",
                            "Postpaid is enabled for %(count)d apps: %(names)s.",
                            len(enabled),
                        )
                        % {"count": len(enabled), "names": ", ".join(a.name for a in enabled)},
                    )
                    return redirect("console:push")
    else:
        error = " ".join(form.errors.get("app", []))
    rows = app_rows(PushApp.objects.filter(pk__in=[app.pk for app in apps]), now=timezone.now())
    context = {
        "rows": rows,
        "blocked": any(row.postpaid_blocker for row in rows),
        "error": error,
        "selected_count": len(data.getlist("app")),
        "limit": policy.PUSH_POSTPAID_BATCH_LIMIT,
        "prices": postpaid_price_table(),
        "spend_blocker": postpaid_account_blocker(request.acting),
    }
    status = 400 if error else 200
    return render(request, "console/push/postpaid.html", context, status=status)
