from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.message_detail, name="message"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/recipients/", views.recipient_add, name="recipient_add"),
    path("settings/recipients/<int:pk>/", views.recipient_edit, name="recipient_edit"),
    path("settings/recipients/<int:pk>/remove/", views.recipient_remove, name="recipient_remove"),
    path(
        "settings/recipients/<int:pk>/verify/<str:channel>/send/",
        views.code_send,
        name="code_send",
    ),
    path(
        "settings/recipients/<int:pk>/verify/<str:channel>/",
        views.code_confirm,
        name="code_confirm",
    ),
    path(
        "settings/recipients/<int:pk>/subscriptions/",
        views.subscriptions_save,
        name="subscriptions_save",
    ),
]
