"""Error pages: JSON in the API's documented shape under /api/, the HTML templates elsewhere."""

from django.views import defaults

from billing.api.views import error as _api_error

API_PREFIX = "/api/"


def bad_request(request, exception):
    if request.path.startswith(API_PREFIX):
        return _api_error(400, "InvalidParameter", str(exception) or "bad request")
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return _api_error(404, "ResourceNotFound", "no such resource")
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception):
    if request.path.startswith(API_PREFIX):
        return _api_error(403, "Forbidden", "not allowed")
    return defaults.permission_denied(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return _api_error(500, "InternalError", "the server failed to answer; try again")
    return defaults.server_error(request)
