import pytest

from billing.errors import BillingError
from billing.models import Account
from billing.services import accounts
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def unverified(**kwargs):
    return AccountFactory(verification_state=Account.Verification.UNVERIFIED, **kwargs)


def test_verification_goes_unverified_pending_verified():
    account = unverified()
    accounts.submit_verification(account=account, kind="individual", name="Li Lei", number="X1")
    account.refresh_from_db()
    assert account.verification_state == Account.Verification.PENDING
    staff = UserFactory(is_staff=True)
    accounts.approve_verification(account=account, by=staff)
    account.refresh_from_db()
    assert account.verification_state == Account.Verification.VERIFIED
    assert account.verification_decided_by == staff


def test_rejected_verification_can_be_resubmitted_and_keeps_no_stale_reason():
    account = unverified()
    accounts.submit_verification(account=account, kind="company", name="ACME", number="91")
    accounts.reject_verification(account=account, by=UserFactory(), reason="Blurry licence")
    account.refresh_from_db()
    assert account.verification_rejection_reason == "Blurry licence"
    accounts.submit_verification(account=account, kind="company", name="ACME", number="92")
    account.refresh_from_db()
    assert account.verification_state == Account.Verification.PENDING
    assert account.verification_rejection_reason == ""


@pytest.mark.parametrize(
    ("kind", "name", "number", "message"),
    [
        ("alien", "A", "1", "individual or company"),
        ("individual", "", "1", "required"),
        ("individual", "A", "   ", "required"),
    ],
)
def test_bad_verification_input_is_refused_and_changes_nothing(kind, name, number, message):
    account = unverified()
    with pytest.raises(BillingError, match=message):
        accounts.submit_verification(account=account, kind=kind, name=name, number=number)
    account.refresh_from_db()
    assert account.verification_state == Account.Verification.UNVERIFIED


def test_only_pending_verifications_are_decided():
    account = unverified()
    with pytest.raises(BillingError, match="pending"):
        accounts.approve_verification(account=account, by=UserFactory())
    with pytest.raises(BillingError, match="reason"):
        accounts.reject_verification(account=account, by=UserFactory(), reason="")


def test_submitting_twice_while_pending_is_refused():
    account = unverified()
    accounts.submit_verification(account=account, kind="individual", name="A", number="1")
    with pytest.raises(BillingError, match="under review"):
        accounts.submit_verification(account=account, kind="individual", name="A", number="1")


def test_sign_up_opens_a_main_account(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.com",
            "password1": "a-Long-pass-2026",
            "password2": "a-Long-pass-2026",
        },
    )
    assert response.status_code == 302
    account = Account.objects.get(owner__email="new@example.com")
    assert account.verification_state == Account.Verification.UNVERIFIED
    assert account.cash_balance == 0
