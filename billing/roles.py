"""What each sub-account role may do (SPEC.md §1). The owner may do everything."""

from django.utils.translation import gettext_lazy as _

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


_LABELS = {
    OWNER: _("Owner"),
    ADMIN: _("Admin"),
    FINANCE: _("Finance"),
    RESOURCE: _("Resource"),
    READONLY: _("Read-only"),
}


def label(role: str) -> str:
    """The role as people read it in the active language: "readonly" -> "Read-only" / "只读"."""
    return str(_LABELS.get(role, role))
