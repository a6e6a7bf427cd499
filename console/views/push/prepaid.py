"""Buying prepaid push service: preview, then checkout at the total shown."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import replace_url

from billing import pricing, roles
from billing.models import (
    PushApp,
)
from billing.services import push as push_services
from console.access import console_view
from console.checkout import checkout
from console.forms_push import (
    PrepaidForm,
)

from .apps import app_rows, own_app, push_product, query_string
from .blockers import buy_blocker


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
    app = own_app(request, app_id)
    form = _prepaid_form(request.GET)
    return render(request, "console/push/buy.html", _buy_context(request, app, form))


@console_view()
@require_GET
def buy_prepaid_preview(request, app_id: int):
    app = own_app(request, app_id)
    form = PrepaidForm(request.GET)
    response = render(request, "console/push/buy.html#preview", _buy_context(request, app, form))
    # Keep the address bookmarkable: the page URL follows the form without a history entry.
    page = reverse("console:push_buy", args=[app.pk]) + "?" + query_string(form)
    return replace_url(response, page) if request.htmx else response


@console_view(allow=roles.can_spend)
@require_http_methods(["GET", "POST"])
def buy_prepaid_checkout(request, app_id: int):
    app = own_app(request, app_id)
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
        product=push_product(),
        quote=context["preview"]["quote"],
        execute=execute,
        back_url=reverse("console:push_buy", args=[app.pk]) + "?" + query_string(form),
    )
