"""The audit trail (SPEC.md §1 Decision): one call per change, inside the change's transaction."""

import datetime as dt

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Account
from billing.models.audit import AuditEvent
from billing.text import REASON_LENGTH, clean_text

Action = AuditEvent.Action


def record(
    *,
    action: str,
    subject: models.Model,
    account: Account | None,
    by=None,
    old=None,
    new=None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Write one immutable event; `by=None` is the system (a billing run, a recharge)."""
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the event could outlive a change that rolled back, or miss one.
        raise RuntimeError("Audit events are written inside the transaction of the change.")
    return AuditEvent.objects.create(
        account=account,
        actor=by,
        actor_label=_actor_label(by),
        action=action,
        subject_type=subject._meta.model_name,
        subject_id=subject.pk,
        subject_label=str(subject)[:200],
        old_value=old,
        new_value=new,
        reason=reason,
        occurred_at=at or timezone.now(),
    )


def _actor_label(user) -> str:
    if user is None:
        return AuditEvent.SYSTEM
    return user.email or user.get_username()


def require_reason(reason: str | None) -> str:
    """Staff actions always need a reason (SPEC.md §1)."""
    return clean_text(reason, label=_("The reason"), max_length=REASON_LENGTH, multiline=True)
