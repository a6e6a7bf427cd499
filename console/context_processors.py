from billing import policy
from billing.selectors import acting_for_user


def console(request):
    """The acting account for the navigation; cached on the request."""
    acting = getattr(request, "acting", None)
    if acting is None and getattr(request, "user", None) is not None:
        acting = acting_for_user(request.user)
    return {
        "acting": acting,
        "account": acting.account if acting else None,
        # SPEC numbers for the page text (billing/policy.py): no template spells them.
        "limits": policy.template_limits(),
    }
