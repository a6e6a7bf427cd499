"""Support's actions on a customer's service, as admin pages: one form each, a reason always.

Each page calls one function of billing/services/staff.py, which checks the permission again,
audits, and is idempotent (a hidden key per form; a double submit finds the change made). What
costs the customer money is shown first and charged only at that total (expected_total).
"""

import uuid

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import pricing
from billing.errors import BillingError, QuoteChanged
from billing.models import Account, PushApp, PushSubscription
from billing.services import staff
from billing.text import REASON_LENGTH

MONTH_CHOICES = [(m, m) for m in pricing.ALLOWED_MONTHS]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Kept in the audit trail with your name; the customer does not see it."),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )
    key = forms.CharField(widget=forms.HiddenInput)


class PrivilegesForm(ReasonForm):
    big_customer = forms.BooleanField(
        label=_("Big customer"),
        required=False,
        help_text=_("Never stopped for arrears; renewals may run on credit."),
    )
    captcha_postpaid = forms.BooleanField(label=_("CAPTCHA postpaid on"), required=False)


class CharityForm(ReasonForm):
    charity = forms.BooleanField(label=_("Charity app (free forever)"), required=False)


class PurchaseForm(ReasonForm):
    months = forms.TypedChoiceField(label=_("Months"), choices=MONTH_CHOICES, coerce=int)
    # Set once the price has been shown: the service charges this total or nothing.
    expected_total = forms.DecimalField(required=False, widget=forms.HiddenInput)


class SwitchForm(PurchaseForm):
    capacity_wan = forms.IntegerField(label=_("Capacity (万 DAU peak)"), min_value=1)


def _page(model_admin, request, obj, form, *, title: str, intro: str = "", quote=None):
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "original": obj,
        "form": form,
        "title": title,
        "intro": intro,
        "quote": quote,
        "back": reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]),
    }
    return render(request, "admin/billing/staff_action.html", context)


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _form(form_class, request, **initial):
    return form_class(request.POST or None, initial={"key": uuid.uuid4().hex, **initial})


def _done(model_admin, request, obj, message):
    model_admin.message_user(request, message)
    opts = model_admin.model._meta
    return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))


def privileges_view(model_admin, request, pk: int):
    account = get_object_or_404(Account, pk=pk)
    _require(request, staff.CHANGE_PRIVILEGES)
    form = _form(
        PrivilegesForm,
        request,
        big_customer=account.big_customer,
        captcha_postpaid=account.captcha_postpaid == Account.CaptchaPostpaid.ON,
    )

    def act(data) -> bool:
        changed = staff.set_big_customer(
            account=account,
            big_customer=data["big_customer"],
            by=request.user,
            reason=data["reason"],
        )
        # Only a ticked box that differs turns postpaid on or off (a failed enablement stays).
        if data["captcha_postpaid"] != (account.captcha_postpaid == Account.CaptchaPostpaid.ON):
            changed |= staff.set_captcha_postpaid(
                account=account,
                enabled=data["captcha_postpaid"],
                by=request.user,
                reason=data["reason"],
            )
        return changed

    return _reason_action(
        model_admin,
        request,
        account,
        form,
        act=act,
        done=_("Privileges changed and audited."),
        unchanged=_("Nothing changed."),
        title=_("Privileges"),
    )


def _app(pk: int) -> PushApp:
    return get_object_or_404(PushApp.objects.select_related("account"), pk=pk)


def _reason_action(model_admin, request, obj, form, *, act, done, unchanged, title, intro=""):
    """One form with a reason: `act(cleaned_data)` calls the service and says if it changed."""
    if request.method == "POST" and form.is_valid():
        try:
            changed = act(form.cleaned_data)
        except BillingError as error:
            form.add_error(None, str(error))
        else:
            return _done(model_admin, request, obj, done if changed else unchanged)
    return _page(model_admin, request, obj, form, title=title, intro=intro)


def stop_view(model_admin, request, pk: int):
    app = _app(pk)
    _require(request, staff.MANAGE_SERVICE)
    return _reason_action(
        model_admin,
        request,
        app,
        _form(ReasonForm, request),
        act=lambda data: staff.stop_app(app=app, by=request.user, reason=data["reason"]),
        done=_("App stopped."),
        unchanged=_("The app was not active; nothing changed."),
        title=_("Stop app"),
        intro=_(
            "Pushes stop at once; device registration stays on. The customer is not billed "
            "for whole days the app spends stopped."
        ),
    )


def resume_view(model_admin, request, pk: int):
    app = _app(pk)
    _require(request, staff.MANAGE_SERVICE)
    return _reason_action(
        model_admin,
        request,
        app,
        _form(ReasonForm, request),
        act=lambda data: staff.resume_app(app=app, by=request.user, reason=data["reason"]),
        done=_("App resumed."),
        unchanged=_("The app was not stopped; nothing changed."),
        title=_("Resume app"),
    )


def charity_view(model_admin, request, pk: int):
    app = _app(pk)
    _require(request, staff.CHANGE_PRIVILEGES)
    return _reason_action(
        model_admin,
        request,
        app,
        _form(CharityForm, request, charity=app.charity),
        act=lambda data: staff.set_charity(
            app=app, charity=data["charity"], by=request.user, reason=data["reason"]
        ),
        done=_("Charity flag changed and audited."),
        unchanged=_("Nothing changed."),
        title=_("Charity app"),
    )


def _priced_purchase(model_admin, request, app, form, *, title, intro, quote_for, execute):
    """Two steps: the first submit shows the price, the second charges exactly that."""
    quote = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            quote = quote_for(data)
        except BillingError as error:
            form.add_error(None, str(error))
        else:
            if data["expected_total"] is not None:
                try:
                    bought = execute(data)
                except QuoteChanged as changed:
                    form.add_error(None, str(changed))
                except BillingError as error:
                    form.add_error(None, str(error))
                else:
                    return _done(
                        model_admin,
                        request,
                        app,
                        _("Order %(number)s paid from the customer's balance: ¥%(total)s.")
                        % {"number": bought.order.number, "total": f"{bought.order.total:,.2f}"},
                    )
            # Show the price; the confirm button sends it back as expected_total.
            form.data = form.data.copy()
            form.data["expected_total"] = str(quote.total)
    return _page(model_admin, request, app, form, title=title, intro=intro, quote=quote)


def renew_view(model_admin, request, pk: int):
    app = _app(pk)
    _require(request, staff.MANAGE_SERVICE)
    subscription = get_object_or_404(PushSubscription, app=app, state=PushSubscription.State.ACTIVE)
    form = _form(PurchaseForm, request, months=subscription.months)
    intro = _(
        "From the stop on day 8 after expiry only support can renew (SPEC §3). The customer's "
        "balance pays at the console's price; the new period starts at the old expiry "
        "(%(expiry)s) and the app resumes."
    ) % {"expiry": timezone.localtime(subscription.expires_at).strftime("%Y-%m-%d %H:%M")}
    return _priced_purchase(
        model_admin,
        request,
        app,
        form,
        title=_("Renew for the customer"),
        intro=intro,
        quote_for=lambda data: pricing.push_prepaid_quote(
            region=app.access_point, capacity_wan=subscription.capacity_wan, months=data["months"]
        ),
        execute=lambda data: staff.renew_for_customer(
            subscription=subscription,
            months=data["months"],
            by=request.user,
            reason=data["reason"],
            idempotency_key=data["key"],
            expected_total=data["expected_total"],
        ),
    )


def switch_view(model_admin, request, pk: int):
    app = _app(pk)
    _require(request, staff.MANAGE_SERVICE)
    form = _form(SwitchForm, request, months=1)
    intro = _(
        "The app becomes prepaid from now, paid from the customer's balance. Days before today "
        "stay postpaid and are settled as usual; today is covered by the prepaid period."
    )
    return _priced_purchase(
        model_admin,
        request,
        app,
        form,
        title=_("Switch to prepaid"),
        intro=intro,
        quote_for=lambda data: pricing.push_prepaid_quote(
            region=app.access_point, capacity_wan=data["capacity_wan"], months=data["months"]
        ),
        execute=lambda data: staff.switch_to_prepaid(
            app=app,
            capacity_wan=data["capacity_wan"],
            months=data["months"],
            by=request.user,
            reason=data["reason"],
            idempotency_key=data["key"],
            expected_total=data["expected_total"],
        ),
    )
