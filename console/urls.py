from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path


def favicon(request):
    # Resolved per request: the static manifest exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("console/favicon.svg"))


urlpatterns = [
    # Browsers ask for /favicon.ico on pages that do not name an icon (the admin).
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("messages/", include("notifications.urls")),
    path("api/v1/", include("billing.api.urls")),
    path("", include("console.urls_console")),
]

handler400 = "console.errors.bad_request"
handler403 = "console.errors.permission_denied"
handler404 = "console.errors.page_not_found"
handler500 = "console.errors.server_error"
