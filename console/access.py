"""Who may open a console page: a signed-in user acting for a main account, in a role."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from billing.selectors import acting_for_user


def console_view(*, allow: Callable[[str], bool] | None = None):
    """Resolve request.acting; refuse roles that `allow` rejects (403, with the role named)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            acting = acting_for_user(request.user)
            if acting is None:
                raise PermissionDenied("This user is not part of any customer account.")
            if allow is not None and request.method == "POST" and not allow(acting.role):
                raise PermissionDenied(f"The {acting.role} role cannot do this.")
            request.acting = acting
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
