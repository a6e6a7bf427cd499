"""Sub-account invitations from the invitee's side: see what it is, then accept or decline.

Not a console_view: the invitee may not act for any account yet.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing.errors import BillingError
from billing.selectors import acting_for_user
from billing.services import accounts, members


@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    found = members.invitation_for_token(token)
    if found is None:
        raise Http404("No such invitation.")
    now = timezone.now()
    signed_in = request.user.is_authenticated
    if request.method == "POST":
        if not signed_in:
            return redirect_to_login(request.get_full_path())
        try:
            if request.POST.get("decision") == "accept":
                membership = members.accept_invitation(token=token, user=request.user, now=now)
                messages.success(
                    request,
                    _("You now act for %(account)s as %(role)s.")
                    % {"account": membership.account.name, "role": membership.get_role_display()},
                )
                return redirect("console:overview")
            members.decline_invitation(token=token, user=request.user, now=now)
            messages.info(request, _("Invitation declined."))
            return redirect("console:invitation", token=token)
        except BillingError as error:
            messages.error(request, str(error))
            return redirect("console:invitation", token=token)
    context = {
        "invitation": found,
        "is_open": found.is_open(now),
        "is_invitee": members.is_invitee(invitation=found, user=request.user),
        "closed": members.closed_reason(invitation=found, now=now),
        "refusal": members.acceptance_refusal(invitation=found, user=request.user, now=now)
        if signed_in
        else None,
        "next": request.get_full_path(),
        "has_console": signed_in and acting_for_user(request.user) is not None,
    }
    return render(request, "console/invitation.html", context)


@require_POST
def open_own_account(request):
    """For a login that acts for no account (an invitee who declined): open its own."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if acting_for_user(request.user) is None and not request.user.is_staff:
        accounts.open_account(user=request.user)
    return redirect("console:overview")
