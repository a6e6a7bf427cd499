"""Console routes for CAPTCHA, orders and balance (the overview is in urls_console)."""

from django.conf import settings
from django.urls import path

from console.views import balance, captcha, orders

urlpatterns = [
    path("captcha/", captcha.captcha_page, name="captcha"),
    path("captcha/trial/", captcha.claim_trial, name="captcha_claim_trial"),
    path("captcha/buy/<slug:code>/", captcha.buy_pack, name="captcha_buy"),
    path("captcha/postpaid/request/", captcha.request_postpaid, name="captcha_request_postpaid"),
    path("captcha/apps/", captcha.create_app, name="captcha_create_app"),
    path("orders/", orders.orders, name="orders"),
    path("orders/<str:number>/", orders.order_detail, name="order_detail"),
    path("balance/", balance.balance, name="balance"),
    path("balance/recharge/", balance.recharge, name="recharge"),
    path("balance/transfer/<str:reference>/", balance.transfer_payment, name="transfer_payment"),
    path("balance/alert/", balance.balance_alert, name="balance_alert"),
]

# The sandbox page does not exist where the sandbox is not allowed (production settings).
if settings.PAYMENT_SANDBOX_ALLOWED:
    urlpatterns.append(
        path("balance/sandbox/<str:reference>/", balance.sandbox_payment, name="sandbox_payment")
    )
