"""Request guards that apply to every view: input PostgreSQL cannot store, pages that are
private to the signed-in person, and the second factor staff need for the back office."""

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from billing.api.views import error as api_error
from console.errors import API_PREFIX

ADMIN_PREFIX = "/admin/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(values) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values
    )


class RejectUnstorableInput:
    """A NUL character in a path, a query or a form field would otherwise reach the database as
    a DataError (500), possibly after other writes of the same request. One refusal at the door
    answers 400 and changes nothing, for every view at once (JSON under /api/, console.errors).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or _has_nul(request.GET):
            raise BadRequest("The address contains a NUL character.")
        is_form = request.method == "POST" and request.content_type in FORM_TYPES
        if is_form and _has_nul(request.POST):
            raise BadRequest("A form field contains a NUL character.")
        return self.get_response(request)


class PrivatePages:
    """What a signed-in person sees is theirs: never stored by the browser or a shared cache
    (Back after signing out must not show it). Pages and their HTMX partials share URLs, so
    every answer says it varies with HX-Request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


class StaffTwoFactor:
    """Staff can move money: the admin opens only for staff with a TOTP authenticator, so each
    staff login has a second factor (allauth asks for the code). Without one, staff are sent to
    set it up first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path_info.startswith(ADMIN_PREFIX)
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not has_two_factor(user)
        ):
            messages.warning(
                request, _("Set up two-factor authentication before using the back office.")
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def has_two_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class DatabaseUnavailable:
    """A database connection lost mid-request: PostgreSQL rolled back the open transaction (every
    money-moving service runs in one, so it is all or nothing); answer 503 with Retry-After
    instead of a 500. Django replaces the broken connection before the next request
    (CONN_HEALTH_CHECKS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if request.path.startswith(API_PREFIX):
            response = api_error(503, "ServiceUnavailable", "try again in a moment")
        else:
            response = HttpResponse(
                _("The service is briefly unavailable. Try again in a moment."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        response["Retry-After"] = "1"
        return response
