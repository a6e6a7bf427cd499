"""Translated labels for values stored as codes."""

from django import template
from django.utils.translation import gettext_lazy as _

from billing import roles
from billing.models import Membership

register = template.Library()

ROLE_LABELS = {roles.OWNER: _("Owner"), **dict(Membership.Role.choices)}


@register.filter
def role_label(role: str) -> str:
    """The role as people read it in the active language: "owner" -> "Owner" / "所有者"."""
    return str(ROLE_LABELS.get(role, role))
