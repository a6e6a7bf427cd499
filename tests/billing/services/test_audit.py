"""The audit trail (SPEC.md §1 Decision): immutable, in the change's transaction, written by
every state-changing service, with "system" for billing runs."""

import pytest
from django.db import DatabaseError, transaction

from billing.models import Account, AuditEvent, LedgerEntry, PackSku, PushApp
from billing.selectors import Acting
from billing.services import accounts, app_lifecycle, audit, captcha, ledger, refunds, staff
from billing.services.lifecycle import run_due_jobs
from notifications.models import Notice
from tests.factories import AccountFactory, PushAppFactory, SupportFactory, UserFactory, fund
from tests.helpers import at, postpaid_app, prepaid_order, report

pytestmark = pytest.mark.django_db


def trail(**filters):
    return [
        (e.action, e.actor_label, e.old_value, e.new_value)
        for e in AuditEvent.objects.filter(**filters).order_by("occurred_at", "id")
    ]


def test_events_cannot_be_changed_or_deleted_even_in_sql():
    support = SupportFactory()
    staff.stop_app(app=PushAppFactory(), by=support, reason="why")
    event = AuditEvent.objects.get()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    for sneaky in (
        lambda: AuditEvent.objects.update(reason="rewritten"),
        lambda: AuditEvent.objects.update(actor=UserFactory()),
        lambda: AuditEvent.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            sneaky()
    assert AuditEvent.objects.get().reason == "why"


def test_deleting_a_staff_user_keeps_who_it_was():
    support = SupportFactory()
    staff.stop_app(app=PushAppFactory(), by=support, reason="why")
    email = support.email
    support.delete()
    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_label) == (None, email)


@pytest.mark.django_db(transaction=True)
def test_an_event_is_only_written_inside_the_transaction_of_its_change():
    account = AccountFactory()
    with pytest.raises(RuntimeError):
        audit.record(action="app_stopped", subject=account, account=account)


def test_an_event_rolls_back_with_its_change():
    app = PushAppFactory()
    staff_user = SupportFactory()
    with pytest.raises(RuntimeError, match="later step"), transaction.atomic():
        app_lifecycle.stop(app, reason="staff", at=at("2026-11-01"), by=staff_user, note="x")
        raise RuntimeError("a later step of the same change failed")
    assert not AuditEvent.objects.exists()
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE


def test_the_state_field_cannot_be_written_by_hand():
    app = PushAppFactory()
    with pytest.raises(AttributeError):
        app.state = PushApp.State.STOPPED


def test_the_trial_lifecycle_is_audited_as_the_system_at_the_run_instant():
    app = PushAppFactory()
    report(app, "2026-11-01", 1_500)
    run_due_jobs(now=at("2026-11-02"))  # stopped
    report(app, "2026-11-03", 900)
    run_due_jobs(now=at("2026-11-04"))  # back under the limit: resumed
    report(app, "2026-11-04", 1_200)
    run_due_jobs(now=at("2026-11-05"))  # stopped again
    run_due_jobs(now=at("2026-11-13"))  # 8 days after that stop: reclaimed
    assert trail(subject_id=app.pk) == [
        ("app_stopped", "system", "active", "stopped"),
        ("app_resumed", "system", "stopped", "active"),
        ("app_stopped", "system", "active", "stopped"),
        ("app_destroyed", "system", "stopped", "destroyed"),
    ]
    first = AuditEvent.objects.order_by("id").first()
    assert first.occurred_at == at("2026-11-02") and "1,500" in first.reason


def test_prepaid_expiry_stop_and_destruction_are_audited():
    account = fund(AccountFactory(), cash="800")
    order = prepaid_order(account, now=at("2026-11-01", 10, 0))
    run_due_jobs(now=at("2026-12-09", 0, 5))
    run_due_jobs(now=at("2026-12-16", 0, 5))
    actions = [row[0] for row in trail(account=account)]
    assert actions == [
        "billing_mode_changed",  # trial → prepaid with the order
        "app_stopped",
        "subscription_ended",
        "app_destroyed",
    ]
    mode = AuditEvent.objects.get(action="billing_mode_changed")
    assert (mode.actor, order.number in mode.reason) == (account.owner, True)


def test_arrears_stop_clear_and_resume_are_audited():
    account = fund(AccountFactory(), cash="10")
    app = postpaid_app(account)
    report(app, "2026-11-01", 70_000)
    run_due_jobs(now=at("2026-11-02"))
    run_due_jobs(now=at("2026-11-03", 7))
    ledger.recharge(account=account, amount=1_000, provider_reference="r-1")
    assert [row[0] for row in trail(account=account)] == [
        "app_stopped",
        "arrears_cleared",
        "app_resumed",
    ]
    app.refresh_from_db()
    assert app.state == PushApp.State.ACTIVE and app.stops.get().ended_at is not None


def test_verification_decisions_are_audited():
    account = AccountFactory(verification_state=Account.Verification.UNVERIFIED)
    accounts.submit_verification(
        account=account,
        kind="individual",
        name="张三",
        number="11010519491231002X",
        by=account.owner,
    )
    reviewer = SupportFactory()
    accounts.reject_verification(account=account, by=reviewer, reason="Blurred")
    accounts.submit_verification(
        account=account, kind="individual", name="张三", number="11010519491231002X"
    )
    accounts.approve_verification(account=account, by=reviewer)
    assert [(a, o, n) for a, _by, o, n in trail(account=account)] == [
        ("verification_submitted", "unverified", "pending"),
        ("verification_rejected", "pending", "rejected"),
        ("verification_submitted", "rejected", "pending"),
        ("verification_approved", "pending", "verified"),
    ]
    assert AuditEvent.objects.get(action="verification_rejected").reason == "Blurred"


def test_captcha_postpaid_switching_on_with_a_count_pack_is_audited():
    account = fund(AccountFactory(), cash="5000")
    captcha.buy_pack(
        acting=Acting(account=account, role="owner", user=account.owner),
        user=account.owner,
        sku=PackSku.objects.filter(kind="count").order_by("price").first(),
        idempotency_key="pack",
    )
    (event,) = AuditEvent.objects.filter(action="captcha_postpaid_changed")
    assert (event.old_value, event.new_value, event.actor) == ("off", "on", account.owner)


def test_ledger_entries_record_who_caused_them():
    account = fund(AccountFactory(), cash="1600")
    order = prepaid_order(account)
    payment = LedgerEntry.objects.get(order=order, kind="payment")
    assert payment.created_by == account.owner
    app = PushApp.objects.get(pk=order.app_id)
    reviewer = SupportFactory()
    ticket = refunds.request_refund(
        acting=Acting(account=account, role="owner", user=account.owner),
        user=account.owner,
        order=order,
        reason="Bought the wrong region",
    )
    refunds.approve(ticket=ticket, by=reviewer)
    refund = LedgerEntry.objects.get(account=account, kind="refund")
    assert refund.created_by == reviewer
    app.refresh_from_db()
    assert AuditEvent.objects.filter(action="subscription_ended", actor=reviewer).exists()


def test_a_second_rejection_on_the_same_day_is_told_too():
    account = AccountFactory(verification_state=Account.Verification.UNVERIFIED)
    reviewer = SupportFactory()
    for reason in ("Blurred photo", "Name does not match the licence"):
        accounts.submit_verification(
            account=account, kind="individual", name="张三", number="11010519491231002X"
        )
        accounts.reject_verification(account=account, by=reviewer, reason=reason)
    told = Notice.objects.filter(kind="real_name_rejected").order_by("id")
    assert [n.context["reason"] for n in told] == [
        "Blurred photo",
        "Name does not match the licence",
    ]
