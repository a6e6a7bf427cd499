"""Upgrading a prepaid push capacity: prorated in the original order's duration band."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import replace_url

from billing import pricing, roles
from billing.errors import BillingError
from billing.models import (
    PushApp,
    PushSubscription,
)
from billing.services import push as push_services
from console.access import console_view
from console.checkout import checkout
from console.forms_push import (
    UpgradeForm,
)

from .apps import app_rows, own_app, push_product, query_string
from .blockers import upgrade_blocker

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
    app = own_app(request, app_id)
    return render(request, "console/push/upgrade.html", _upgrade_context(request, app, request.GET))


@console_view()
@require_GET
def upgrade_preview(request, app_id: int):
    app = own_app(request, app_id)
    context = _upgrade_context(request, app, request.GET)
    response = render(request, "console/push/upgrade.html#preview", context)
    if request.htmx and context["form"] is not None:
        page = reverse("console:push_upgrade", args=[app.pk]) + "?" + query_string(context["form"])
        response = replace_url(response, page)
    return response


@console_view(allow=roles.can_spend)
@require_http_methods(["GET", "POST"])
def upgrade_checkout(request, app_id: int):
    app = own_app(request, app_id)
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
        product=push_product(),
        quote=preview["quote"],
        execute=execute,
        back_url=reverse("console:push_upgrade", args=[app.pk])
        + "?"
        + query_string(context["form"]),
    )
