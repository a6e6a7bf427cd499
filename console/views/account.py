from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing import roles
from billing.errors import BillingError
from billing.services import accounts as account_services
from console.access import console_view
from console.forms import LanguageForm, VerificationForm


@console_view(allow=roles.can_manage_members)
@require_http_methods(["GET", "POST"])
def account_page(request):
    account = request.acting.account
    form = VerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.submit_verification(
                account=account,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                number=form.cleaned_data["number"],
            )
        except BillingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Verification submitted. Support will review it shortly."))
            return redirect("console:account")
    account.refresh_from_db()
    return render(
        request,
        "console/account/page.html",
        {
            "form": form,
            "language_form": LanguageForm(initial={"language": account.language}),
            "members": account.memberships.select_related("user"),
        },
    )


@console_view(allow=roles.can_change_anything)
@require_http_methods(["POST"])
def set_language(request):
    form = LanguageForm(request.POST)
    if form.is_valid():
        language = form.cleaned_data["language"]
        account = request.acting.account
        if request.acting.role in (roles.OWNER, roles.ADMIN):
            account.language = language
            account.save(update_fields=["language"])
        translation.activate(language)
        response = redirect(request.POST.get("next") or "console:account")
        response.set_cookie("django_language", language, samesite="Lax")
        return response
    return redirect("console:account")
