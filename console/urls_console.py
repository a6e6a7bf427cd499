from django.urls import path

from console.urls_money import urlpatterns as money_urls
from console.urls_push import urlpatterns as push_urls
from console.views import account, invitations, overview, receipts, refunds

app_name = "console"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("account/", account.account_page, name="account"),
    path("account/language/", account.set_language, name="set_language"),
    path("account/members/invite/", account.invite_member, name="invite_member"),
    path(
        "account/invitations/<int:invitation_id>/revoke/",
        account.revoke_invitation,
        name="revoke_invitation",
    ),
    path("invitations/<str:token>/", invitations.invitation, name="invitation"),
    path("account/open/", invitations.open_own_account, name="open_own_account"),
    path("account/members/<int:membership_id>/", account.change_member, name="change_member"),
    path("account/api-keys/", account.create_api_key, name="create_api_key"),
    path("account/api-keys/<int:key_id>/revoke/", account.revoke_api_key, name="revoke_api_key"),
    path("orders/<str:number>/receipt/", receipts.receipt, name="receipt"),
    # Refund tickets (SPEC.md §2, §3 Refunds).
    path("orders/<str:number>/refund/", refunds.refund_request, name="refund_request"),
    path("refunds/", refunds.refunds, name="refunds"),
    path("refunds/<int:ticket_id>/withdraw/", refunds.withdraw, name="refund_withdraw"),
    *money_urls,
    *push_urls,
]
