from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_http_methods

from billing import roles
from billing.errors import BillingError
from billing.models import ApiKey, Invitation, Membership
from billing.services import accounts as account_services
from billing.services import api_keys as api_key_services
from billing.services import members as member_services
from console.access import console_view
from console.forms import InviteForm, LanguageForm, VerificationForm


@console_view(allow=roles.can_manage_members)
@require_http_methods(["GET", "POST"])
def account_page(request):
    account = request.acting.account
    form = VerificationForm(
        request.POST or None, kind=account.kind, initial=_verification_initial(account)
    )
    if request.method == "POST" and form.is_valid():
        try:
            account_services.submit_verification(
                account=account,
                kind=form.cleaned_data["kind"],
                document=form.cleaned_data["document"],
                name=form.cleaned_data["name"],
                number=form.cleaned_data["number"],
                by=request.user,
            )
        except BillingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Verification submitted. Support will review it shortly."))
            return redirect("console:account")
    account.refresh_from_db()
    return _page(request, form=form)


def _verification_initial(account) -> dict:
    """A pending or rejected submission is shown for correcting (SPEC §1)."""
    if account.verification_state in ("pending", "rejected"):
        return {
            "kind": account.kind,
            "document": account.verified_document,
            "name": account.verified_name,
            "number": account.verified_number,
        }
    return {}


def _page(request, *, form=None, status=200, **extra):
    account = request.acting.account
    context = {
        "form": form
        or VerificationForm(
            kind=account.kind, initial=_verification_initial(request.acting.account)
        ),
        **_members_context(request),
        "invite_form": InviteForm(),
        "role_choices": Membership.Role.choices,
        "can_manage_members": roles.can_manage_members(request.acting.role),
        "api_keys": account.api_keys.all(),
        **extra,
    }
    return render(request, "console/account/page.html", context, status=status)


@console_view()
@require_http_methods(["POST"])
def set_language(request):
    """The account page's language form: Django's set_language (the header switcher's view, so
    both set the same cookie), and for the owner or an admin also the language of the account's
    email, SMS and in-site notices."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return redirect("console:account")
    language = form.cleaned_data["language"]
    account = request.acting.account
    if roles.can_manage_members(request.acting.role) and account.language != language:
        account.language = language
        account.save(update_fields=["language"])
    return i18n.set_language(request)


def _members_context(request) -> dict:
    account = request.acting.account
    return {
        "members": account.memberships.select_related("user"),
        "invitations": account.invitations.filter(
            status=Invitation.Status.PENDING, expires_at__gt=timezone.now()
        ),
    }


def _members_card(request, *, invite_form=None, status=200):
    context = {
        **_members_context(request),
        "invite_form": invite_form or InviteForm(),
        "role_choices": Membership.Role.choices,
        "can_manage_members": roles.can_manage_members(request.acting.role),
    }
    if request.htmx:
        return render(request, "console/account/page.html#members", context, status=status)
    if invite_form is not None and invite_form.errors:
        for errors in invite_form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("console:account")


@console_view(allow=roles.can_manage_members)
@require_http_methods(["POST"])
def invite_member(request):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            member_services.invite_member(
                acting=request.acting,
                user=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except BillingError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s; they become a member when they accept it.")
                % {"email": form.cleaned_data["email"]},
            )
            return _members_card(request)
    return _members_card(request, invite_form=form, status=400)


@console_view(allow=roles.can_manage_members)
@require_http_methods(["POST"])
def change_member(request, membership_id: int):
    get_object_or_404(Membership, pk=membership_id, account=request.acting.account)
    try:
        if request.POST.get("remove"):
            member_services.remove_member(acting=request.acting, membership_id=membership_id)
        else:
            member_services.change_role(
                acting=request.acting,
                membership_id=membership_id,
                role=request.POST.get("role", ""),
            )
    except BillingError as error:
        messages.error(request, str(error))
    return _members_card(request)


@console_view(allow=roles.can_manage_members)
@require_http_methods(["POST"])
def revoke_invitation(request, invitation_id: int):
    get_object_or_404(Invitation, pk=invitation_id, account=request.acting.account)
    try:
        member_services.revoke_invitation(acting=request.acting, invitation_id=invitation_id)
    except BillingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Invitation withdrawn."))
    return _members_card(request)


def _api_keys_card(request, *, created=None, error=""):
    context = {
        "api_keys": request.acting.account.api_keys.all(),
        "created_key": created,
        "api_key_error": error,
        "can_manage_members": roles.can_manage_members(request.acting.role),
    }
    if request.htmx:
        # A refused key comes back with its reason, swapped in place (console.htmx).
        return render(
            request, "console/account/page.html#api-keys", context, status=400 if error else 200
        )
    # Without JavaScript the whole page comes back with the key or the refusal in it. Never a
    # message: messages travel in a cookie, and a SecretKey must not.
    return _page(request, status=400 if error else 200, created_key=created, api_key_error=error)


@console_view(allow=roles.can_manage_members)
@require_http_methods(["POST"])
def create_api_key(request):
    try:
        key = api_key_services.create_key(acting=request.acting, name=request.POST.get("name", ""))
    except BillingError as error:
        return _api_keys_card(request, error=str(error))
    return _api_keys_card(request, created=key)


@console_view(allow=roles.can_manage_members)
@require_http_methods(["POST"])
def revoke_api_key(request, key_id: int):
    get_object_or_404(ApiKey, pk=key_id, account=request.acting.account)
    try:
        api_key_services.revoke_key(acting=request.acting, key_id=key_id)
    except BillingError as error:
        return _api_keys_card(request, error=str(error))
    return _api_keys_card(request)
