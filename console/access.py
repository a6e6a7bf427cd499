"""Who may open a console page: a signed-in user acting for a main account, in a role."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from billing import roles
from billing.models import Account
from billing.selectors import Acting, acting_for_user


def console_view(*, allow: Callable[[str], bool] | None = None):
    """Resolve request.acting; refuse roles that `allow` rejects (403, with the role named)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.is_staff:
                # SPEC §1: staff are never members; they look after customers in the admin.
                raise PermissionDenied(_("Support staff work in the admin, not in the console."))
            acting = acting_for_user(request.user)
            if acting is None:
                raise PermissionDenied(_("This login does not act for any customer account."))
            if allow is not None and request.method == "POST" and not allow(acting.role):
                raise PermissionDenied(
                    _(
                        "Your role (%(role)s) cannot do this for the account; ask the owner or "
                        "an admin."
                    )
                    % {"role": roles.label(acting.role)}
                )
            request.acting = acting
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def spend_blocker(acting: Acting) -> str:
    """SPEC.md §1: only spending roles buy, and only for a verified account."""
    if not roles.can_spend(acting.role):
        return _(
            "Your role (%(role)s) cannot spend money for this account; "
            "ask the owner, an admin or a finance member."
        ) % {"role": roles.label(acting.role)}
    if acting.account.verification_state != Account.Verification.VERIFIED:
        return _("Real-name verification is required before any purchase.")
    return ""
