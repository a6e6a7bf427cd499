from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path


def favicon(request):
    # Resolved per request: the static manifest exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("console/favicon.svg"))


# Staff sign in on the console's login page: its failed-login limits and two-factor step apply to
# the admin too (Django's own admin login has neither).
admin.site.login = secure_admin_login(admin.site.login)

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
