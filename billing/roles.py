"""What each sub-account role may do (SPEC.md §1). The owner may do everything."""

OWNER = "owner"
ADMIN = "admin"
FINANCE = "finance"
RESOURCE = "resource"
READONLY = "readonly"

_SPEND = {OWNER, ADMIN, FINANCE}  # orders, renewals, refunds, balance
_RESOURCES = {OWNER, ADMIN, RESOURCE}  # apps and usage, no money
_MEMBERS = {OWNER, ADMIN}


def can_spend(role: str) -> bool:
    return role in _SPEND


def can_manage_resources(role: str) -> bool:
    return role in _RESOURCES


def can_manage_members(role: str) -> bool:
    return role in _MEMBERS


def can_change_anything(role: str) -> bool:
    return role != READONLY
