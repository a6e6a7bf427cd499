"""Enabling push postpaid for up to 50 trial apps at once."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from billing import policy, pricing, roles
from billing.errors import BillingError
from billing.models import (
    AccessPoint,
    PushApp,
)
from billing.services import push as push_services
from console.access import console_view
from console.forms_push import (
    PostpaidForm,
)

from .apps import app_rows
from .blockers import postpaid_account_blocker


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
