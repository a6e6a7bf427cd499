"""One search box for support: an email, account name, Access ID, CAPTCHA app ID, order number
or ticket number finds the customer; one match opens the account's timeline at once."""

import re

from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from billing.models import Account, CaptchaApp, Membership, Order, PushApp, RefundTicket

LIMIT = 50


def find_accounts(query: str) -> list[Account]:
    query = query.strip()
    if not query:
        return []
    ids: set[int] = set()
    ticket = re.fullmatch(r"#?(\d{1,9})", query)
    if ticket:
        ids |= set(
            RefundTicket.objects.filter(pk=int(ticket.group(1))).values_list(
                "account_id", flat=True
            )
        )
    if re.fullmatch(r"\d{10}", query):
        ids |= set(PushApp.objects.filter(access_id=query).values_list("account_id", flat=True))
    if query.isdigit():
        ids |= set(
            CaptchaApp.objects.filter(captcha_app_id=int(query)).values_list(
                "account_id", flat=True
            )
        )
    ids |= set(Order.objects.filter(number=query).values_list("account_id", flat=True))
    ids |= set(
        Membership.objects.filter(user__email__iexact=query).values_list("account_id", flat=True)
    )
    by_text = Account.objects.filter(
        Q(owner__email__iexact=query) | Q(name__icontains=query) | Q(verified_name__icontains=query)
    ).values_list("pk", flat=True)[:LIMIT]
    ids |= set(by_text)
    return list(Account.objects.filter(pk__in=ids).select_related("owner").order_by("name")[:LIMIT])


def search_view(admin_site, request):
    query = request.GET.get("q", "")
    accounts = find_accounts(query) if request.user.has_perm("billing.view_account") else []
    if len(accounts) == 1:
        return redirect(reverse("admin:billing_account_timeline", args=[accounts[0].pk]))
    context = {
        **admin_site.each_context(request),
        "title": _("Find a customer"),
        "query": query,
        "accounts": accounts,
    }
    return render(request, "admin/billing/search.html", context)
