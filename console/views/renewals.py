"""Renewals (续费管理): prepaid push subscriptions and CAPTCHA packs by expiry (SPEC.md §2, §3).

Auto-renew toggles for one row (an HTMX switch that swaps the row) or for the selected rows;
manual renewal goes through the shared checkout and billing.services.push.renew.
"""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import replace_url, trigger_client_event

from billing import policy, pricing, roles, stages
from billing.days import add_months_to_instant, billing_day
from billing.errors import BillingError
from billing.models import CaptchaPack, PushApp, PushSubscription
from billing.selectors import app_countdown
from billing.services import push as push_services
from console.access import console_view
from console.checkout import checkout
from console.forms_push import AutoRenewForm, RenewalFilterForm, RenewForm
from console.views.push.apps import own_subscription, push_product, query_string
from console.views.push.blockers import renew_blocker

# Expired packs stay listed this long so a customer sees what just ran out.
EXPIRED_PACKS_SHOWN_FOR = dt.timedelta(days=30)


@dataclass
class SubscriptionRow:
    subscription: PushSubscription
    days_after_expiry: int
    renew_blocker: str
    countdown: str = ""

    @property
    def app(self) -> PushApp:
        return self.subscription.app

    @property
    def days_left(self) -> int:
        return -self.days_after_expiry

    @property
    def renew_by(self) -> dt.date:
        """The last day the customer may renew in the console (day 7 after expiry)."""
        return billing_day(self.subscription.expires_at) + dt.timedelta(
            days=policy.PUSH_CONSOLE_RENEWAL_DAYS_AFTER
        )

    @property
    def stop_day(self) -> int:
        return policy.PUSH_STOP_DAY_AFTER_EXPIRY

    @property
    def status(self) -> str:
        if self.app.state == PushApp.State.DESTROYED:
            return "destroyed"
        if self.days_after_expiry >= policy.PUSH_STOP_DAY_AFTER_EXPIRY:
            return "stopped"
        if self.days_after_expiry > 0:
            return "grace"
        if self.days_after_expiry == 0:
            return "today"
        if self.days_left <= max(policy.PUSH_EXPIRY_REMINDER_DAYS_BEFORE):
            return "expiring"
        return "active"


@dataclass
class PackRow:
    pack: CaptchaPack
    days_left: int
    live: bool


def subscription_row(acting, subscription: PushSubscription, *, now: dt.datetime):
    return SubscriptionRow(
        subscription=subscription,
        days_after_expiry=push_services.days_after_expiry(subscription, now=now),
        renew_blocker=renew_blocker(acting, subscription, now=now),
        countdown=stages.describe(
            app_countdown(subscription.app, subscription=subscription, now=now)
        ),
    )


def _filters(request) -> RenewalFilterForm:
    form = RenewalFilterForm(request.GET or None)
    form.is_valid()  # an invalid filter is ignored rather than an error page
    return form


def _table_context(request, filters: RenewalFilterForm) -> dict:
    acting, now = request.acting, timezone.now()
    cleaned = getattr(filters, "cleaned_data", {})
    product, within = cleaned.get("product") or "", cleaned.get("within")
    until = now + dt.timedelta(days=within) if within else None

    subscriptions, packs = [], []
    if product in ("", RenewalFilterForm.PRODUCT_PUSH):
        queryset = (
            PushSubscription.objects.filter(
                app__account=acting.account, state=PushSubscription.State.ACTIVE
            )
            .select_related("app__account")
            .order_by("expires_at", "id")
        )
        if until:
            queryset = queryset.filter(expires_at__lte=until)
        subscriptions = [subscription_row(acting, sub, now=now) for sub in queryset]
    if product in ("", RenewalFilterForm.PRODUCT_CAPTCHA):
        queryset = CaptchaPack.objects.filter(
            account=acting.account,
            refunded_at__isnull=True,
            expires_at__gt=now - EXPIRED_PACKS_SHOWN_FOR,
        ).select_related("sku")
        if until:
            queryset = queryset.filter(expires_at__lte=until)
        packs = [
            PackRow(
                pack=pack,
                days_left=(billing_day(pack.expires_at) - billing_day(now)).days,
                live=pack.is_live(at=now),
            )
            for pack in queryset
        ]
    query = urlencode(
        {key: value for key, value in (("product", product), ("within", within)) if value}
    )
    return {
        "filters": filters,
        "product": product,
        "within": within,
        "subscriptions": subscriptions,
        "packs": packs,
        "can_change": roles.can_spend(acting.role),
        "page_url": reverse("console:renewals") + (f"?{query}" if query else ""),
    }


@console_view()
@require_GET
def renewals(request):
    context = _table_context(request, _filters(request))
    if request.htmx and request.htmx.target == "renewal-table":
        return render(request, "console/renewals/page.html#table", context)
    return render(request, "console/renewals/page.html", context)


def _safe_next(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("console:renewals")


@console_view(allow=roles.can_spend)
@require_POST
def auto_renew(request):
    """Turn auto-renewal on or off for one row (returns the row) or the selected rows."""
    form = AutoRenewForm(request.POST)
    single = form.is_valid() and form.cleaned_data["single"]
    next_url = _safe_next(request)
    message, level = "", "success"
    ids: list[int] = []
    if form.is_valid():
        ids = form.cleaned_data["subscription"]
        owned = PushSubscription.objects.filter(pk__in=ids, app__account=request.acting.account)
        if owned.count() != len(ids):
            raise Http404("No such subscription in this account.")
        enabled = form.cleaned_data["enabled"]
        try:
            count = push_services.set_auto_renew(
                acting=request.acting, subscription_ids=ids, enabled=enabled
            )
        except BillingError as error:
            message, level = str(error), "danger"
        else:
            if single:
                sub = owned.select_related("app").get()
                message = (
                    _("Auto-renew is on for %(app)s.")
                    if enabled
                    else _("Auto-renew is off for %(app)s.")
                ) % {"app": sub.app.name}
            else:
                message = (
                    ngettext(
                        "Auto-renew turned on for %(count)d subscription.",
                        "Auto-renew turned on for %(count)d subscriptions.",
                        count,
                    )
                    if enabled
                    else ngettext(
                        "Auto-renew turned off for %(count)d subscription.",
                        "Auto-renew turned off for %(count)d subscriptions.",
                        count,
                    )
                ) % {"count": count}
    else:
        message, level = " ".join(e for errors in form.errors.values() for e in errors), "danger"

    if not request.htmx:
        (messages.success if level == "success" else messages.error)(request, message)
        return redirect(next_url)
    if single and ids:
        sub = PushSubscription.objects.select_related("app").get(pk=ids[0])
        response = render(
            request,
            "console/renewals/page.html#subscription-row",
            {
                "row": subscription_row(request.acting, sub, now=timezone.now()),
                "can_change": True,
                "page_url": next_url,
            },
        )
    else:
        # The batch form carries the page's filters, so the table comes back as it was shown.
        filters = RenewalFilterForm(request.POST)
        filters.is_valid()
        response = render(
            request, "console/renewals/page.html#table", _table_context(request, filters)
        )
    return trigger_client_event(response, "toast", {"message": message, "level": level})


# --- Manual renewal --------------------------------------------------------------------------


def _renew_preview(sub: PushSubscription, form: RenewForm) -> dict:
    if not form.is_valid():
        return {"form": form, "quote": None}
    months = form.cleaned_data["months"]
    try:
        quote = pricing.push_prepaid_quote(
            region=sub.app.access_point, capacity_wan=sub.capacity_wan, months=months
        )
    except pricing.PricingError as error:
        form.add_error(None, str(error))
        return {"form": form, "quote": None}
    line = quote.lines[0]
    return {
        "form": form,
        "quote": quote,
        "line": line,
        "months": months,
        "discount_percent": int(line.discount_rate * 100),
        # SPEC.md §3: the new period starts at the old expiry, so there is no gap.
        "period_start": sub.expires_at,
        "period_end": add_months_to_instant(sub.expires_at, months),
    }


def _renew_context(request, sub: PushSubscription, data) -> dict:
    now = timezone.now()
    form = RenewForm(data or {"months": str(sub.months)})
    days_after = push_services.days_after_expiry(sub, now=now)
    return {
        "subscription": sub,
        "app": sub.app,
        "blocker": renew_blocker(request.acting, sub, now=now),
        "days_after_expiry": days_after,
        "days_left": -days_after,
        "form": form,
        "preview": _renew_preview(sub, form),
    }


@console_view()
@require_GET
def renew(request, subscription_id: int):
    sub = own_subscription(request, subscription_id)
    return render(request, "console/push/renew.html", _renew_context(request, sub, request.GET))


@console_view()
@require_GET
def renew_preview(request, subscription_id: int):
    sub = own_subscription(request, subscription_id)
    context = _renew_context(request, sub, request.GET)
    response = render(request, "console/push/renew.html#preview", context)
    if request.htmx:
        page = reverse("console:push_renew", args=[sub.pk]) + "?" + query_string(context["form"])
        response = replace_url(response, page)
    return response


@console_view(allow=roles.can_spend)
@require_http_methods(["GET", "POST"])
def renew_checkout(request, subscription_id: int):
    sub = own_subscription(request, subscription_id)
    context = _renew_context(request, sub, request.GET)
    preview = context["preview"]
    if preview["quote"] is None:
        return render(request, "console/push/renew.html", context, status=400)
    months = preview["months"]

    def execute(*, voucher_code, idempotency_key, expected_total):
        return push_services.renew(
            acting=request.acting,
            user=request.user,
            subscription=sub,
            months=months,
            idempotency_key=idempotency_key,
            voucher_code=voucher_code,
            expected_total=expected_total,
        )

    start, end = preview["period_start"], preview["period_end"]
    return checkout(
        request,
        title=_("Mobile Push renewal: %(app)s") % {"app": sub.app.name},
        description=_(
            "%(capacity)s万 DAU peak from %(start)s to %(end)s; the new period starts at the "
            "old expiry."
        )
        % {
            "capacity": sub.capacity_wan,
            "start": billing_day(start).isoformat(),
            "end": billing_day(end).isoformat(),
        },
        product=push_product(),
        quote=preview["quote"],
        execute=execute,
        back_url=reverse("console:push_renew", args=[sub.pk]) + "?" + query_string(context["form"]),
    )
