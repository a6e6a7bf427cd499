"""CAPTCHA: free trial, count and top-up packs, postpaid state, apps (SPEC.md §2).

Views parse input and call one service; where a rule blocks an action the page says so.
"""

from django.contrib import messages
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing import roles
from billing.errors import BillingError
from billing.models import CaptchaPack, PackSku
from billing.pricing import captcha_pack_quote
from billing.services import captcha as captcha_services
from console.access import console_view, spend_blocker
from console.checkout import checkout
from console.forms_money import CaptchaAppForm


def pack_status(pack: CaptchaPack, *, now) -> str:
    """Live by the one definition (CaptchaPack.is_live); otherwise why it is not."""
    if pack.is_live(at=now):
        return "live"
    if pack.refunded_at:
        return "refunded"
    if pack.expires_at <= now:
        return "expired"
    return "used_up"


@console_view()
def captcha_page(request):
    acting = request.acting
    account = acting.account
    now = timezone.now()
    packs = list(account.packs.select_related("order").order_by("expires_at", "bought_at"))
    for pack in packs:
        pack.status = pack_status(pack, now=now)
    live = [pack for pack in packs if pack.status == "live"]
    live_size = sum(pack.size for pack in live)
    live_used = sum(pack.used for pack in live)
    bought_count_pack = captcha_services.has_bought_count_pack(account=account)
    skus = PackSku.objects.filter(active=True).exclude(kind=PackSku.Kind.TRIAL)
    context = {
        "packs": packs,
        "live_size": live_size,
        "live_remaining": live_size - live_used,
        "usage_percent": round(live_used * 100 / live_size) if live_size else 0,
        "count_skus": [sku for sku in skus if sku.kind == PackSku.Kind.COUNT],
        "topup_skus": [sku for sku in skus if sku.kind == PackSku.Kind.TOPUP],
        "spend_blocker": spend_blocker(acting),
        "topup_blocker": ""
        if bought_count_pack
        else _("Top-up packs can be bought once the account has bought a count pack."),
        "trial_blocker": captcha_services.trial_refusal(acting=acting, account=account) or "",
        "bought_count_pack": bought_count_pack,
        "can_manage_resources": roles.can_manage_resources(acting.role),
        "app_form": CaptchaAppForm(),
        "apps": account.captcha_apps.all(),
        "verifications_this_month": account.captcha_usage.filter(
            day__gte=timezone.localdate().replace(day=1)
        ).aggregate(total=Sum("verifications"))["total"]
        or 0,
    }
    return render(request, "console/captcha/page.html", context)


@console_view(allow=roles.can_change_anything)
@require_POST
def claim_trial(request):
    try:
        captcha_services.claim_trial(acting=request.acting)
    except BillingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Free trial claimed: 20,000 verifications for 7 days."))
    return redirect("console:captcha")


@console_view(allow=roles.can_spend)
@require_http_methods(["GET", "POST"])
def buy_pack(request, code: str):
    sku = get_object_or_404(
        PackSku.objects.exclude(kind=PackSku.Kind.TRIAL), code=code, active=True
    )
    quote = captcha_pack_quote(
        label=f"{sku.get_kind_display()} · {sku.verifications:,}",
        price=sku.price,
        verifications=sku.verifications,
        kind=sku.kind,
    )
    return checkout(
        request,
        title=_("Buy %(pack)s") % {"pack": sku.get_kind_display()},
        description=_(
            "%(count)s server-side verifications, valid for one year from today. "
            "They stack on what remains of your live packs."
        )
        % {"count": f"{sku.verifications:,}"},
        product=sku.product,
        quote=quote,
        back_url=reverse("console:captcha"),
        warning=lambda preview: _postpaid_warning(request.acting.account, sku, preview),
        execute=lambda *, voucher_code, idempotency_key, expected_total: captcha_services.buy_pack(
            acting=request.acting,
            user=request.user,
            sku=sku,
            voucher_code=voucher_code,
            idempotency_key=idempotency_key,
            expected_total=expected_total,
        ),
    )


def _postpaid_warning(account, sku: PackSku, preview: dict) -> str:
    if sku.kind != PackSku.Kind.COUNT or preview["shortfall"] > 0:
        return ""
    balance_after = account.available_balance - preview["from_balance"]
    if captcha_services.postpaid_switches_on(account=account, balance_after=balance_after) is False:
        return _(
            "Paying leaves your balance at ¥0.00, so CAPTCHA postpaid will not be switched on: "
            "when the packs run out the service stops. Recharge first, or ask support to "
            "enable postpaid afterwards."
        )
    return ""


@console_view(allow=roles.can_spend)
@require_POST
def request_postpaid(request):
    try:
        captcha_services.request_postpaid(acting=request.acting)
    except BillingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Postpaid requested; support will enable it shortly."))
    return redirect("console:captcha")


@console_view(allow=roles.can_manage_resources)
@require_POST
def create_app(request):
    form = CaptchaAppForm(request.POST)
    if form.is_valid():
        try:
            app = captcha_services.create_app(acting=request.acting, name=form.cleaned_data["name"])
        except BillingError as error:
            form.add_error("name", str(error))
        else:
            messages.success(
                request,
                _("App %(name)s created: CaptchaAppId %(id)s.")
                % {"name": app.name, "id": app.captcha_app_id},
            )
            form = CaptchaAppForm()
    if request.htmx:
        return render(
            request,
            "console/captcha/page.html#apps",
            {
                "apps": request.acting.account.captcha_apps.all(),
                "app_form": form,
                "can_manage_resources": True,
            },
            status=200 if not form.errors else 400,
        )
    if form.errors:
        messages.error(request, " ".join(form.errors.get("name", [])))
    return redirect("console:captcha")
