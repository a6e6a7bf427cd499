"""Balance: ledger history with running balance, recharge, vouchers, balance alert."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing import roles
from billing.errors import BillingError
from billing.models import Recharge
from billing.payments import payment_provider
from billing.services import accounts as account_services
from billing.services import recharges
from console.access import console_view
from console.forms_money import BalanceAlertForm, RechargeForm

RETURN_TO = "recharge_return_to"


def _return_to(raw: str, request) -> str:
    """A checkout to come back to after paying (same site, a path only), or ""."""
    if raw.startswith("/") and url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return raw
    return ""


def _prefill(request) -> dict:
    """The shortfall a checkout sent the customer here with (?amount=...)."""
    try:
        amount = Decimal(request.GET.get("amount", ""))
    except (ArithmeticError, ValueError):
        return {}
    return {"amount": amount} if amount.is_finite() and amount > 0 else {}


def _page(request, *, recharge_form=None, alert_form=None, status=200):
    account = request.acting.account
    now = timezone.now()
    vouchers = list(account.vouchers.select_related("product", "order"))
    for voucher in vouchers:
        voucher.state = (
            "used" if voucher.used_at else ("expired" if voucher.expires_at <= now else "usable")
        )
    context = {
        "ledger": Paginator(
            account.ledger.select_related(
                "order__product",
                "order__app",
                "order__sku",
                "order__refund_of",
                "bill_line__app",
            ).order_by("-id"),  # insertion order: the running balances chain in it
            25,
        ).get_page(request.GET.get("page")),
        "vouchers": vouchers,
        "recharge_form": recharge_form or RechargeForm(initial=_prefill(request)),
        "return_to": _return_to(
            request.GET.get("next", "") or request.POST.get("next", ""), request
        ),
        "alert_form": alert_form
        or BalanceAlertForm(initial={"threshold": account.balance_alert_threshold}),
        "provider": payment_provider(),
        "can_spend": roles.can_spend(request.acting.role),
    }
    return render(request, "console/balance/page.html", context, status=status)


@console_view()
def balance(request):
    return _page(request)


@console_view(allow=roles.can_spend)
@require_POST
def recharge(request):
    form = RechargeForm(request.POST)
    if not form.is_valid():
        return _page(request, recharge_form=form, status=400)
    try:
        _row, start = recharges.start_recharge(
            acting=request.acting, user=request.user, amount=form.cleaned_data["amount"]
        )
    except BillingError as error:
        form.add_error("amount", str(error))
        return _page(request, recharge_form=form, status=400)
    return_to = _return_to(request.POST.get("next", ""), request)
    if return_to:
        # Remembered per payment reference: the gateway's page brings the customer back there.
        request.session[RETURN_TO] = {
            **request.session.get(RETURN_TO, {}),
            start.provider_reference: return_to,
        }
    return redirect(start.redirect_url)


@console_view(allow=roles.can_spend)
@require_http_methods(["GET", "POST"])
def sandbox_payment(request, reference: str):
    """The sandbox provider's payment page: no real money moves (PAYMENT_PROVIDER setting)."""
    if not settings.PAYMENT_SANDBOX_ALLOWED:
        raise Http404
    row = get_object_or_404(
        Recharge, provider_reference=reference, account=request.acting.account, provider="sandbox"
    )
    if request.method == "POST" and row.status == Recharge.Status.PENDING:
        succeeded = request.POST.get("outcome") == "pay"
        recharges.complete_recharge(provider_reference=reference, succeeded=succeeded)
        if succeeded:
            messages.success(
                request, _("Recharge of ¥%(amount)s received.") % {"amount": f"{row.amount:,.2f}"}
            )
        else:
            messages.warning(request, _("Payment cancelled; nothing was charged."))
        return_to = request.session.get(RETURN_TO, {}).get(reference, "")
        return redirect(return_to or "console:balance")
    return render(request, "console/balance/sandbox.html", {"recharge": row})


@console_view()
def transfer_payment(request, reference: str):
    """Bank-transfer instructions: the reference ties the transfer to this recharge."""
    row = get_object_or_404(
        Recharge, provider_reference=reference, account=request.acting.account, provider="transfer"
    )
    payee = {
        "name": settings.BANK_TRANSFER_PAYEE,
        "bank": settings.BANK_TRANSFER_BANK,
        "account": settings.BANK_TRANSFER_ACCOUNT,
    }
    return render(request, "console/balance/transfer.html", {"recharge": row, "payee": payee})


@console_view(allow=roles.can_spend)
@require_POST
def balance_alert(request):
    form = BalanceAlertForm(request.POST)
    if not form.is_valid():
        return _page(request, alert_form=form, status=400)
    threshold = form.cleaned_data["threshold"]
    account_services.set_balance_alert(acting=request.acting, threshold=threshold)
    if threshold is None:
        messages.success(request, _("Balance alert turned off."))
    else:
        messages.success(
            request,
            _("You will be alerted when the balance falls below ¥%(amount)s.")
            % {"amount": f"{threshold:,.2f}"},
        )
    return redirect("console:balance")
