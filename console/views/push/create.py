"""Creating a push app: it starts on the free trial edition."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, retarget, trigger_client_event

from billing import policy, roles
from billing.errors import BillingError
from billing.services import push as push_services
from console.access import console_view
from console.forms_push import (
    CreatePushAppForm,
)

from .apps import list_context, platform_usage


@console_view(allow=roles.can_manage_resources)
@require_http_methods(["GET", "POST"])
def create_app(request):
    account = request.acting.account
    form = CreatePushAppForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            app = push_services.create_app(
                acting=request.acting,
                platform=form.cleaned_data["platform"],
                name=form.cleaned_data["name"],
                access_point=form.cleaned_data["access_point"],
            )
        except BillingError as error:
            form.add_error(None, str(error))
        else:
            message = _("App “%(name)s” created with Access ID %(access_id)s.") % {
                "name": app.name,
                "access_id": app.access_id,
            }
            if request.htmx:
                response = render(
                    request,
                    "console/push/list.html#created",
                    {**list_context(request), "created": app},
                )
                return trigger_client_event(
                    response, "toast", {"message": message, "level": "success"}
                )
            messages.success(request, message)
            return redirect("console:push")
    context = {
        "form": form,
        "platforms": platform_usage(account),
        "app_limit": policy.PUSH_APPS_PER_PLATFORM,
        "can_create": roles.can_manage_resources(request.acting.role),
    }
    # A POST that gets here was refused: the form comes back with its errors (console.htmx).
    status = 400 if request.method == "POST" else 200
    if request.htmx:
        response = render(request, "console/push/create.html#create-form", context, status=status)
        if request.method == "POST":
            response = reswap(retarget(response, "#create-slot"), "innerHTML")
        return response
    return render(request, "console/push/create.html", context, status=status)
