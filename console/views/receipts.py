from django.shortcuts import get_object_or_404, render

from billing.models import Order
from console.access import console_view


@console_view()
def receipt(request, number: str):
    order = get_object_or_404(
        Order.objects.select_related("product", "app", "sku", "voucher"),
        number=number,
        account=request.acting.account,
    )
    return render(request, "console/checkout/receipt.html", {"order": order})
