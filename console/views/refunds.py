"""Refunds are never self-service: the customer asks here, support decides in the admin."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing import roles
from billing.errors import BillingError
from billing.models import OPEN_REFUND_STATES, Order, RefundTicket
from billing.services import refunds as refund_services
from billing.text import REASON_LENGTH
from console.access import console_view


@console_view(allow=roles.can_spend)
@require_http_methods(["GET", "POST"])
def refund_request(request, number: str):
    order = get_object_or_404(
        Order.objects.select_related("product", "app", "sku"),
        number=number,
        account=request.acting.account,
    )
    error = ""
    if request.method == "POST":
        try:
            refund_services.request_refund(
                acting=request.acting,
                user=request.user,
                order=order,
                reason=request.POST.get("reason", ""),
            )
        except BillingError as failure:
            error = str(failure)
        else:
            messages.success(request, _("Refund requested. Support will review it."))
            return redirect("console:refunds")
    context = {
        "order": order,
        "eligibility": refund_services.refund_eligibility(order=order),
        "open_ticket": order.refund_tickets.filter(status__in=OPEN_REFUND_STATES).first(),
        "error": error,
        "can_spend": roles.can_spend(request.acting.role),
        "reason_length": REASON_LENGTH,  # the service's own limit (billing/text.py)
    }
    return render(request, "console/refunds/request.html", context, status=400 if error else 200)


@console_view()
def refunds(request):
    tickets = (
        RefundTicket.objects.filter(account=request.acting.account)
        .select_related("order", "refund_order")
        .prefetch_related("events")
        .order_by("-created_at")
    )
    return render(
        request,
        "console/refunds/list.html",
        {"tickets": tickets, "can_spend": roles.can_spend(request.acting.role)},
    )


@console_view(allow=roles.can_spend)
@require_POST
def withdraw(request, ticket_id: int):
    ticket = get_object_or_404(RefundTicket, pk=ticket_id, account=request.acting.account)
    try:
        refund_services.withdraw(acting=request.acting, user=request.user, ticket=ticket)
    except BillingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Refund request withdrawn."))
    return redirect("console:refunds")
