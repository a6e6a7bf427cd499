"""One customer's history on one page, newest first: what support reads before answering.

Audit events, ledger entries, orders, refund tickets and notices of the account, and the billing
runs whose changes appear among its audit events (a run's `at` is the events' `occurred_at`).
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from billing.models import Account, AuditEvent, BillingRun, LedgerEntry, Order, RefundTicket
from billing.money import yuan
from notifications.models import Notice

PER_SOURCE = 200


@dataclass(frozen=True)
class Entry:
    at: datetime
    source: str
    what: str
    detail: str
    by: str = ""
    link: str = ""


def _admin_link(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def account_timeline(account: Account) -> list[Entry]:
    entries: list[Entry] = []
    events = list(AuditEvent.objects.filter(account=account)[:PER_SOURCE])
    for event in events:
        entries.append(
            Entry(
                event.occurred_at,
                _("Audit"),
                f"{event.get_action_display()}: {event.subject_label}",
                " · ".join(part for part in (event.change, event.reason) if part),
                event.actor_label,
                _admin_link(event),
            )
        )
    for entry in LedgerEntry.objects.filter(account=account).select_related("created_by", "order")[
        :PER_SOURCE
    ]:
        entries.append(
            Entry(
                entry.created_at,
                _("Ledger"),
                _("%(kind)s: cash %(cash)s, gift credit %(gift)s")
                % {
                    "kind": entry.get_kind_display(),
                    "cash": yuan(entry.cash_amount),
                    "gift": yuan(entry.gift_amount),
                },
                " · ".join(part for part in (entry.memo, entry.reason) if part),
                entry.created_by.email if entry.created_by else "",
                _admin_link(entry),
            )
        )
    for order in Order.objects.filter(account=account).select_related("created_by")[:PER_SOURCE]:
        entries.append(
            Entry(
                order.created_at,
                _("Order"),
                f"{order.number} {order.get_kind_display()} {yuan(order.total)}",
                order.get_status_display(),
                order.created_by.email if order.created_by else "",
                _admin_link(order),
            )
        )
    for ticket in RefundTicket.objects.filter(account=account).select_related("order")[:PER_SOURCE]:
        entries.append(
            Entry(
                ticket.created_at,
                _("Refund ticket"),
                f"#{ticket.pk} {ticket.get_kind_display()} {ticket.order.number}",
                f"{ticket.get_status_display()} · {yuan(ticket.quoted_amount)}",
                "",
                _admin_link(ticket),
            )
        )
    for notice in Notice.objects.filter(account=account)[:PER_SOURCE]:
        entries.append(
            Entry(notice.created_at, _("Notice"), notice.get_kind_display(), str(notice.day))
        )
    run_instants = {event.occurred_at for event in events if event.actor_id is None}
    for run in BillingRun.objects.filter(at__in=run_instants):
        entries.append(
            Entry(
                run.started_at,
                _("Billing run"),
                str(run),
                run.error[:200] if run.error else "",
                run.trigger,
                _admin_link(run),
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


def timeline_view(model_admin, request, pk: int):
    account = get_object_or_404(Account, pk=pk)
    if not model_admin.has_view_permission(request, account):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": account,
        "title": _("Timeline of %(account)s") % {"account": account},
        "entries": account_timeline(account),
        "per_source": PER_SOURCE,
    }
    return render(request, "admin/billing/account/timeline.html", context)
