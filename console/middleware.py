"""Refuse input PostgreSQL cannot store before any view sees it.

A NUL character in a path, a query or a form field would otherwise reach the database as a
DataError (500) — possibly after other writes of the same request. One refusal at the door
answers 400 and changes nothing, for every view at once (JSON under /api/, see console.errors).
"""

from django.core.exceptions import BadRequest
from django.utils.cache import patch_vary_headers

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(values) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values
    )


class RejectUnstorableInput:
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
