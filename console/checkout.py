"""The one checkout every purchase goes through: summary, voucher, pay, receipt (SPEC.md §1).

An area's "buy" view validates its own inputs, prices them with billing.pricing and hands over:

    return checkout(
        request, title=..., product=product, quote=quote, back_url=...,
        execute=lambda *, voucher_code, idempotency_key, expected_total: services.buy_x(
            ..., voucher_code=..., idempotency_key=..., expected_total=...),
    )

GET renders the summary with the checkout's idempotency key and the total shown; POST (to the
same URL, so the item's query string comes along) pays and redirects to the receipt. The posted
total makes the service refuse (QuoteChanged, nothing charged) when its re-quote differs.

The key belongs to the checkout, not to the page load: it is kept in the session per checkout
address (path and item query, not the voucher). A double click, a replayed POST, a second tab
or Back then Pay all post the same key and get the first order back. Once that key has paid, the
page says so and links the receipt; buying the same item again is an explicit "new purchase"
(`?new=1`), which starts a new key.
"""

import uuid
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from billing import pricing
from billing.errors import BillingError, InsufficientBalance, QuoteChanged
from billing.models import ZERO, Order, Product, Voucher
from billing.pricing import Quote
from billing.services.checkout import Purchase


def usable_vouchers(*, account, product: Product, total: Decimal):
    return Voucher.objects.filter(
        Q(product__isnull=True) | Q(product=product),
        account=account,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        min_spend__lte=total,
    ).order_by("-amount", "expires_at")


def payment_preview(*, account, total: Decimal, voucher: Voucher | None) -> dict:
    """What the split would be right now; the service recomputes it under the account lock."""
    split = pricing.payment_split(
        total=total,
        voucher_amount=voucher.amount if voucher else ZERO,
        gift_balance=account.gift_balance,
        cash_balance=account.cash_balance,
    )
    return {
        "voucher": split.voucher,
        "gift": split.gift,
        "cash": split.cash,
        "shortfall": split.shortfall,
        "from_balance": split.gift + split.cash,
    }


def posted_total(raw: str) -> Decimal:
    """The total the page showed, as posted back; a missing or garbled one is refused."""
    try:
        total = Decimal(raw)
    except (ArithmeticError, ValueError):
        raise BillingError(_("This form has expired; reload the page and try again.")) from None
    if not total.is_finite():
        raise BillingError(_("This form has expired; reload the page and try again."))
    return total


SESSION_KEYS = "checkout_keys"
# Query parameters that do not change what is bought.
NOT_THE_ITEM = {"voucher_code", "new"}


def checkout_address(request) -> str:
    """The checkout's identity: its path and the item's query, not the voucher being tried."""
    items = sorted(
        (name, value)
        for name, values in request.GET.lists()
        if name not in NOT_THE_ITEM
        for value in values
    )
    return request.path + ("?" + urlencode(items) if items else "")


def checkout_key(request, *, new: bool = False) -> str:
    """This checkout's idempotency key, kept in the session until a new purchase is asked for."""
    keys = request.session.get(SESSION_KEYS, {})
    address = checkout_address(request)
    if new or address not in keys:
        keys.pop(address, None)
        keys[address] = uuid.uuid4().hex
        # Bounded: the most recent checkouts only.
        request.session[SESSION_KEYS] = dict(list(keys.items())[-50:])
    return keys[address]


def new_purchase_url(request) -> str:
    address = checkout_address(request)
    return address + ("&" if "?" in address else "?") + "new=1"


def checkout(
    request,
    *,
    title: str,
    product: Product,
    quote: Quote,
    execute: Callable[..., Purchase],
    back_url: str,
    description: str = "",
    warning: Callable[[dict], str] | None = None,
) -> HttpResponse:
    """`warning(preview)`: what paying this way will also cause, shown beside Pay."""
    account = request.acting.account
    if request.method == "GET" and request.GET.get("new") == "1":
        # A new purchase of the same item: a new key, then the plain address (so that Back or a
        # reload of it does not start yet another purchase).
        checkout_key(request, new=True)
        return redirect(checkout_address(request))
    error, insufficient = "", False
    # A GET carries the voucher the customer is choosing (the HTMX preview), a POST the one paid.
    chosen_code = (request.POST if request.method == "POST" else request.GET).get(
        "voucher_code", ""
    )
    if request.method == "POST":
        try:
            result = execute(
                voucher_code=chosen_code,
                idempotency_key=request.POST.get("idempotency_key", ""),
                expected_total=posted_total(request.POST.get("expected_total", "")),
            )
        except QuoteChanged as failure:
            error = _(
                "The price changed from ¥{shown} to ¥{new} since this page was shown; nothing was "
                "charged. Check the new total and pay again."
            ).format(shown=f"{failure.shown_total:,.2f}", new=f"{failure.new_total:,.2f}")
            account.refresh_from_db()
        except InsufficientBalance as failure:
            error = _("Insufficient balance: ¥{shortfall} more is needed.").format(
                shortfall=f"{failure.shortfall:,.2f}"
            )
            insufficient = True
            account.refresh_from_db()
        except BillingError as failure:
            error = str(failure)
            account.refresh_from_db()
        else:
            receipt = reverse("console:receipt", args=[result.order.number])
            if request.htmx:
                return HttpResponseClientRedirect(receipt)
            return redirect(receipt)
    key = request.POST.get("idempotency_key") or checkout_key(request)
    paid = Order.objects.filter(account=account, idempotency_key=key).first()
    vouchers = list(usable_vouchers(account=account, product=product, total=quote.total))
    chosen = next((v for v in vouchers if v.code == chosen_code), None)
    context = {
        "title": title,
        "description": description,
        "product": product,
        "quote": quote,
        "vouchers": vouchers,
        "chosen_voucher": chosen,
        "preview": (preview := payment_preview(account=account, total=quote.total, voucher=chosen)),
        "warning": warning(preview) if warning else "",
        "idempotency_key": key,
        "paid_order": paid,
        "new_purchase_url": new_purchase_url(request),
        "error": error,
        "insufficient": insufficient,
        "back_url": back_url,
    }
    if request.htmx and request.method == "GET":
        return render(request, "console/checkout/page.html#payment", context)
    # A refused payment comes back with its reason; htmx swaps a 400 in place (console.htmx).
    status = 400 if error else 200
    return render(request, "console/checkout/page.html", context, status=status)
