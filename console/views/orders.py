"""Orders: prepaid orders and postpaid bills, filterable and bookmarkable; order detail."""

from decimal import Decimal, InvalidOperation

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from billing.models import Order, PostpaidBillLine
from console.access import console_view
from console.forms_money import OrderFilterForm

PAGE_SIZE = 20


@console_view()
def orders(request):
    account = request.acting.account
    form = OrderFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    tab = filters.get("tab") or "prepaid"
    if tab == "postpaid":
        rows = PostpaidBillLine.objects.filter(account=account).select_related("product", "app")
        date_field = "day"
    else:
        rows = Order.objects.filter(account=account).select_related("product", "app", "sku")
        date_field = "created_at__date"
        if filters.get("status"):
            rows = rows.filter(status=filters["status"])
    if filters.get("product"):
        rows = rows.filter(product__code=filters["product"])
    if filters.get("since"):
        rows = rows.filter(**{f"{date_field}__gte": filters["since"]})
    if filters.get("until"):
        rows = rows.filter(**{f"{date_field}__lte": filters["until"]})
    if form.errors:
        # A filter that cannot be applied lists nothing rather than everything.
        rows = rows.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "tab": tab, "page": page, "query": query.urlencode()}
    status = 400 if form.errors else 200
    if request.htmx and request.htmx.target == "order-results":
        return render(request, "console/orders/list.html#results", context, status=status)
    return render(request, "console/orders/list.html", context, status=status)


def breakdown_lines(order: Order) -> list[dict]:
    """order.breakdown holds strings (JSON); numbers become Decimals, blanks stay None.

    Priced lines carry unit_price/quantity/discount_rate/subtotal; a refund order's lines are
    only the words of its calculation.
    """
    lines = []
    for raw in order.breakdown or []:
        line = {"label": raw.get("label", ""), "code": raw.get("code", ""), "args": raw.get("args")}
        for field in ("unit_price", "quantity", "discount_rate", "subtotal"):
            try:
                line[field] = Decimal(str(raw[field])) if raw.get(field) not in (None, "") else None
            except InvalidOperation:
                line[field] = None
        lines.append(line)
    return lines


@console_view()
def order_detail(request, number: str):
    order = get_object_or_404(
        Order.objects.select_related("product", "app", "sku", "voucher", "refund_of"),
        number=number,
        account=request.acting.account,
    )
    context = {
        "order": order,
        "lines": breakdown_lines(order),
        "refunds": order.refunds.all(),
        "ledger": order.ledger.all(),
    }
    return render(request, "console/orders/detail.html", context)
