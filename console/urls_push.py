"""Console routes for Mobile Push and Renewals."""

from django.urls import path

from console.views import push, renewals

urlpatterns = [
    path("push/", push.push_list, name="push"),
    path("push/apps/new/", push.create_app, name="push_create"),
    path("push/apps/<int:app_id>/", push.app_detail, name="push_app"),
    path("push/apps/<int:app_id>/remove/", push.hide_app, name="push_hide"),
    path("push/apps/<int:app_id>/rename/", push.rename_app, name="push_rename"),
    path("push/apps/<int:app_id>/buy/", push.buy_prepaid, name="push_buy"),
    path("push/apps/<int:app_id>/buy/preview/", push.buy_prepaid_preview, name="push_buy_preview"),
    path(
        "push/apps/<int:app_id>/buy/checkout/",
        push.buy_prepaid_checkout,
        name="push_buy_checkout",
    ),
    path("push/apps/<int:app_id>/upgrade/", push.upgrade, name="push_upgrade"),
    path(
        "push/apps/<int:app_id>/upgrade/preview/",
        push.upgrade_preview,
        name="push_upgrade_preview",
    ),
    path(
        "push/apps/<int:app_id>/upgrade/checkout/",
        push.upgrade_checkout,
        name="push_upgrade_checkout",
    ),
    path("push/postpaid/", push.enable_postpaid, name="push_postpaid"),
    path("push/subscriptions/<int:subscription_id>/renew/", renewals.renew, name="push_renew"),
    path(
        "push/subscriptions/<int:subscription_id>/renew/preview/",
        renewals.renew_preview,
        name="push_renew_preview",
    ),
    path(
        "push/subscriptions/<int:subscription_id>/renew/checkout/",
        renewals.renew_checkout,
        name="push_renew_checkout",
    ),
    path("renewals/", renewals.renewals, name="renewals"),
    path("renewals/auto-renew/", renewals.auto_renew, name="renewals_auto_renew"),
]
