"""Only subscribed, verified recipients receive anything (SPEC.md §3 Recipients, §4)."""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.utils import timezone

from notifications import recipients, verification
from notifications.kinds import Category, Channel, Kind
from notifications.models import Delivery, DevSmsMessage, Notice, Recipient, VerificationCode
from notifications.recipients import RecipientError
from notifications.services import notify
from tests.factories import AccountFactory, MembershipFactory, PushAppFactory, UserFactory

EXPIRES = dt.datetime(2026, 3, 4, 16, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def _expiry(account, app=None, day=dt.date(2026, 3, 2)):
    app = app or PushAppFactory(account=account)
    return notify(
        kind=Kind.PUSH_EXPIRED,
        account=account,
        subject=app,
        day=day,
        context={"expires_at": EXPIRES, "stops_at": EXPIRES + dt.timedelta(days=8)},
    )


def _channels(notice, recipient):
    return set(notice.deliveries.filter(recipient=recipient).values_list("channel", flat=True))


@pytest.mark.django_db
def test_unsubscribed_channel_gets_nothing(
    account, owner_recipient, django_capture_on_commit_callbacks
):
    owner_recipient.mobile, owner_recipient.mobile_verified_at = "+8613800138000", NOW
    owner_recipient.save()
    recipients.set_subscriptions(
        recipient=owner_recipient,
        cells=[(Category.EXPIRY_RENEWAL, Channel.SMS), (Category.BALANCE, Channel.EMAIL)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        notice = _expiry(account)
    assert _channels(notice, owner_recipient) == {Channel.SMS}
    assert mail.outbox == []
    assert DevSmsMessage.objects.count() == 1


@pytest.mark.django_db
def test_unverified_recipient_gets_nothing_until_the_code_is_entered(
    account, django_capture_on_commit_callbacks
):
    ops = recipients.add_recipient(
        account=account, name="Ops desk", email="ops@example.com", mobile="+8613900139000"
    )
    recipients.set_subscriptions(
        recipient=ops,
        cells=[(Category.EXPIRY_RENEWAL, Channel.EMAIL), (Category.EXPIRY_RENEWAL, Channel.SMS)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = _expiry(account)
    assert _channels(first, ops) == set()
    assert [message.to for message in mail.outbox] == [["owner@example.com"]]

    # The code is the one thing an unverified address receives.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        verification.send_verification_code(recipient=ops, channel=Channel.EMAIL, now=NOW)
    (code_mail,) = mail.outbox
    assert code_mail.to == ["ops@example.com"]
    code = re.search(r"\b(\d{6})\b", code_mail.subject).group(1)
    assert f"Your verification code is {code}" in code_mail.body

    with pytest.raises(RecipientError, match="not right"):
        verification.confirm_verification_code(
            recipient=ops,
            channel=Channel.EMAIL,
            code="000000" if code != "000000" else "111111",
            now=NOW,
        )
    verification.confirm_verification_code(recipient=ops, channel=Channel.EMAIL, code=code, now=NOW)
    ops.refresh_from_db()
    assert ops.email_verified and not ops.mobile_verified

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        second = _expiry(account, day=dt.date(2026, 3, 3))
    assert _channels(second, ops) == {Channel.EMAIL}  # SMS still unverified
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ops@example.com",
        "owner@example.com",
    ]


@pytest.mark.django_db
def test_sms_code_verifies_the_mobile(account, owner_recipient, django_capture_on_commit_callbacks):
    owner_recipient = recipients.update_recipient(
        recipient=owner_recipient,
        name="Owner",
        email=owner_recipient.email,
        mobile="+8613800138000",
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent = verification.send_verification_code(
            recipient=owner_recipient, channel=Channel.SMS, now=NOW
        )
    (sms,) = DevSmsMessage.objects.all()
    assert sms.phone_number == "+8613800138000"
    assert sms.template == "verification_code"
    code = sms.params[0]
    assert re.fullmatch(r"\d{6}", code)
    assert Notice.objects.get(kind=Kind.VERIFICATION_CODE).subject == sent
    verification.confirm_verification_code(
        recipient=owner_recipient, channel=Channel.SMS, code=code, now=NOW + dt.timedelta(minutes=9)
    )
    owner_recipient.refresh_from_db()
    assert owner_recipient.mobile_verified
    assert owner_recipient.email_verified  # untouched: the email did not change


@pytest.mark.django_db
def test_codes_expire_are_rate_limited_and_die_with_an_address_change(account, owner_recipient):
    ops = recipients.add_recipient(account=account, name="Ops", email="ops@example.com", mobile="")
    verification.send_verification_code(recipient=ops, channel=Channel.EMAIL, now=NOW)
    with pytest.raises(RecipientError, match="just sent"):
        verification.send_verification_code(
            recipient=ops, channel=Channel.EMAIL, now=NOW + dt.timedelta(seconds=10)
        )
    with pytest.raises(RecipientError, match="expired"):
        verification.confirm_verification_code(
            recipient=ops, channel=Channel.EMAIL, code="123456", now=NOW + dt.timedelta(minutes=11)
        )
    verification.send_verification_code(
        recipient=ops, channel=Channel.EMAIL, now=NOW + dt.timedelta(minutes=2)
    )
    recipients.update_recipient(recipient=ops, name="Ops", email="ops2@example.com", mobile="")
    with pytest.raises(RecipientError, match="address changed"):
        verification.confirm_verification_code(
            recipient=ops, channel=Channel.EMAIL, code="123456", now=NOW + dt.timedelta(minutes=3)
        )
    with pytest.raises(RecipientError, match="Only email and SMS"):
        verification.send_verification_code(recipient=ops, channel=Channel.INSITE, now=NOW)


@pytest.mark.django_db
def test_too_many_wrong_codes_lock_the_code(account):
    ops = recipients.add_recipient(account=account, name="Ops", email="ops@example.com", mobile="")
    verification.send_verification_code(recipient=ops, channel=Channel.EMAIL, now=NOW)
    for _attempt in range(verification.CODE_MAX_ATTEMPTS):
        with pytest.raises(RecipientError, match="not right"):
            verification.confirm_verification_code(
                recipient=ops, channel=Channel.EMAIL, code="abcdef", now=NOW
            )
    with pytest.raises(RecipientError, match="Too many wrong codes"):
        verification.confirm_verification_code(
            recipient=ops, channel=Channel.EMAIL, code="abcdef", now=NOW
        )


@pytest.mark.django_db
def test_changing_the_owner_email_needs_a_new_verification(account, owner_recipient):
    recipients.update_recipient(
        recipient=owner_recipient, name="Owner", email="new@example.com", mobile=""
    )
    owner_recipient.refresh_from_db()
    assert not owner_recipient.email_verified
    notice = _expiry(account)
    assert _channels(notice, owner_recipient) == {Channel.INSITE}


@pytest.mark.django_db
def test_admin_and_finance_sub_accounts_get_expiry_and_arrears_only(account):
    admin = MembershipFactory(
        account=account, role="admin", user=UserFactory(email="adm@example.com")
    )
    finance = MembershipFactory(
        account=account, role="finance", user=UserFactory(email="fin@example.com")
    )
    MembershipFactory(account=account, role="resource", user=UserFactory(email="res@example.com"))
    MembershipFactory(account=account, role="readonly", user=UserFactory(email="ro@example.com"))

    by_user = {r.user_id: r for r in Recipient.objects.filter(account=account)}
    assert set(by_user) == {account.owner_id, admin.user_id, finance.user_id}
    admin_recipient = by_user[admin.user_id]
    assert set(admin_recipient.subscriptions.values_list("category", flat=True)) == {
        Category.EXPIRY_RENEWAL,
        Category.ARREARS_STOP,
    }

    expiry = _expiry(account)
    assert _channels(expiry, admin_recipient) == {Channel.EMAIL, Channel.INSITE}
    assert _channels(expiry, by_user[finance.user_id]) == {Channel.EMAIL, Channel.INSITE}
    balance = notify(
        kind=Kind.BALANCE_ALERT,
        account=account,
        subject=account,
        day=dt.date(2026, 3, 2),
        context={"available_balance": 1, "threshold": 2},
    )
    assert set(balance.deliveries.values_list("recipient__user_id", flat=True)) == {
        account.owner_id
    }

    # Demoted to a resource role: no more money messages, whatever the matrix says.
    admin.role = "resource"
    admin.save()
    later = _expiry(account, day=dt.date(2026, 3, 3))
    assert _channels(later, admin_recipient) == set()


@pytest.mark.django_db
def test_contacts_cannot_have_in_site_messages_and_console_users_cannot_be_removed(
    account, owner_recipient
):
    ops = recipients.add_recipient(account=account, name="Ops", email="ops@example.com", mobile="")
    with pytest.raises(RecipientError, match="console login"):
        recipients.set_subscriptions(recipient=ops, cells=[(Category.USAGE, Channel.INSITE)])
    with pytest.raises(RecipientError):
        recipients.remove_recipient(recipient=owner_recipient)
    recipients.remove_recipient(recipient=ops)
    assert not Recipient.objects.filter(pk=ops.pk).exists()


@pytest.mark.django_db
def test_accounts_created_before_notifications_get_their_owner_lazily(account, owner_recipient):
    owner_recipient.delete()
    notice = _expiry(account)
    owner = Recipient.objects.get(account=account, is_owner=True)
    assert _channels(notice, owner) == {Channel.EMAIL, Channel.INSITE}
    assert Delivery.objects.filter(notice=notice).count() == 2
    assert timezone.is_aware(owner.email_verified_at)


@pytest.mark.django_db
def test_code_limits_count_per_account_and_address_whatever_is_removed_and_added(account):
    """SPEC §6: one a minute and ten a day, per account and per address."""
    ops = recipients.add_recipient(account=account, name="Ops", email="", mobile="+8613800138001")
    verification.send_verification_code(recipient=ops, channel=Channel.SMS, now=NOW)
    recipients.remove_recipient(recipient=ops)
    again = recipients.add_recipient(account=account, name="Ops", email="", mobile="+8613800138001")
    with pytest.raises(RecipientError, match="just sent"):
        verification.send_verification_code(
            recipient=again, channel=Channel.SMS, now=NOW + dt.timedelta(seconds=2)
        )
    # Another address of the same account is limited by the account's minute too.
    other = recipients.add_recipient(
        account=account, name="Desk", email="desk@example.com", mobile=""
    )
    with pytest.raises(RecipientError, match="just sent"):
        verification.send_verification_code(
            recipient=other, channel=Channel.EMAIL, now=NOW + dt.timedelta(seconds=3)
        )
    # Another account sending to the same number is limited by the number's minute.
    stranger = AccountFactory()
    theirs = recipients.add_recipient(
        account=stranger, name="Ops", email="", mobile="+8613800138001"
    )
    with pytest.raises(RecipientError, match="just sent"):
        verification.send_verification_code(
            recipient=theirs, channel=Channel.SMS, now=NOW + dt.timedelta(seconds=4)
        )
    # Ten a day per account, however the codes are spread over its addresses.
    for minute in range(1, 10):
        target = again if minute % 2 else other
        channel = Channel.SMS if minute % 2 else Channel.EMAIL
        verification.send_verification_code(
            recipient=target, channel=channel, now=NOW + dt.timedelta(minutes=minute * 2)
        )
    with pytest.raises(RecipientError, match="Too many codes today"):
        verification.send_verification_code(
            recipient=other, channel=Channel.EMAIL, now=NOW + dt.timedelta(minutes=30)
        )
    assert VerificationCode.objects.filter(account=account).count() == 10
    assert verification.send_verification_code(
        recipient=other, channel=Channel.EMAIL, now=NOW + dt.timedelta(days=1, minutes=1)
    )


@pytest.mark.django_db
def test_the_owner_address_counts_as_verified_only_once_its_sign_up_confirmation_is_clicked(
    client, django_capture_on_commit_callbacks
):
    """SPEC §6: nothing goes to an address that was never confirmed."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {
                "email": "new@example.com",
                "password1": "a-Long-pass-2026",
                "password2": "a-Long-pass-2026",
            },
        )
    owner = Recipient.objects.get(email="new@example.com", is_owner=True)
    assert not owner.email_verified
    address = EmailAddress.objects.get(email="new@example.com")
    confirmation = EmailConfirmationHMAC(address)
    client.post(f"/accounts/confirm-email/{confirmation.key}/")
    owner.refresh_from_db()
    assert owner.email_verified
