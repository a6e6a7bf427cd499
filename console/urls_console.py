from django.urls import path

from console.views import account, overview

app_name = "console"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("account/", account.account_page, name="account"),
    path("account/language/", account.set_language, name="set_language"),
]
