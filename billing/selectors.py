"""Read queries shared by the console, the admin and the API."""

from dataclasses import dataclass

from billing import roles, stages
from billing.models import Account, Membership


@dataclass(frozen=True)
class Acting:
    """Who is acting for which main account, and in which role."""

    account: Account
    role: str
    # The signed-in person, for the audit trail; None when the system acts for the account.
    user: object = None

    @property
    def is_owner(self) -> bool:
        return self.role == roles.OWNER

    @property
    def role_label(self) -> str:
        """The role as people read it, in the active language (never the code "readonly")."""
        return roles.label(self.role)


def acting_for_user(user) -> Acting | None:
    if not user.is_authenticated:
        return None
    account = Account.objects.filter(owner=user).first()
    if account:
        return Acting(account=account, role=roles.OWNER, user=user)
    membership = Membership.objects.select_related("account").filter(user=user).first()
    if membership:
        return Acting(account=membership.account, role=membership.role, user=user)
    return None


def app_countdown(app, *, subscription, now) -> "stages.Countdown | None":
    """The lifecycle countdown of one app (billing/stages.py), from what the page has loaded."""
    account = app.account
    return stages.app_countdown(
        state=app.state,
        stop_reason=app.stop_reason,
        stopped_at=app.stopped_at,
        billing_mode=app.billing_mode,
        charity=app.charity,
        expires_at=subscription.expires_at if subscription else None,
        arrears_since=account.arrears_since if account.cash_balance < 0 else None,
        big_customer=account.big_customer,
        now=now,
    )
