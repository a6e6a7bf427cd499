"""Read queries shared by the console, the admin and the API."""

from dataclasses import dataclass

from billing import roles
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
