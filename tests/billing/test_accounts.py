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
    accounts.submit_verification(
        account=account, kind="individual", name="Li Lei", number="11010519491231002X"
    )
    account.refresh_from_db()
    assert account.verification_state == Account.Verification.PENDING
    staff = UserFactory(is_staff=True)
    accounts.approve_verification(account=account, by=staff)
    account.refresh_from_db()
    assert account.verification_state == Account.Verification.VERIFIED
    assert account.verification_decided_by == staff


def test_rejected_verification_can_be_resubmitted_and_keeps_no_stale_reason():
    account = unverified()
    accounts.submit_verification(
        account=account, kind="company", name="ACME", number="91110000600037341L"
    )
    accounts.reject_verification(account=account, by=UserFactory(), reason="Blurry licence")
    account.refresh_from_db()
    assert account.verification_rejection_reason == "Blurry licence"
    accounts.submit_verification(
        account=account, kind="company", name="ACME", number="91310000MA1K000019"
    )
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


def test_a_pending_submission_can_be_corrected():
    account = unverified()
    accounts.submit_verification(
        account=account, kind="individual", name="A", number="11010519491231002X"
    )
    accounts.submit_verification(
        account=account, kind="company", name="A Ltd", number="91110000600037341L"
    )
    account.refresh_from_db()
    assert account.verification_state == Account.Verification.PENDING
    assert (account.kind, account.verified_document, account.verified_number) == (
        "company",
        "cn_uscc",
        "91110000600037341L",
    )


@pytest.mark.parametrize(
    ("kind", "document", "number", "stored", "message"),
    [
        ("individual", "cn_ric", "11010519491231002X", "11010519491231002X", None),
        ("individual", "cn_ric", "11010519491231002x", "11010519491231002X", None),
        ("individual", "cn_ric", "110105194912310021", None, "resident ID"),  # check digit
        ("individual", "cn_ric", "1101051949123100", None, "resident ID"),  # length
        ("company", "cn_uscc", "91110000600037341L", "91110000600037341L", None),
        ("company", "cn_uscc", "91110000600037341M", None, "social credit code"),
        ("company", "cn_ric", "11010519491231002X", None, "fits the account type"),
        ("individual", "passport", "E12345678", "E12345678", None),
        ("individual", "passport", "E1", None, "format"),
        ("individual", "hk_mo_permit", "H12345678", "H12345678", None),
        ("individual", "hk_mo_permit", "X12345678", None, "format"),
        ("individual", "tw_permit", "12345678", "12345678", None),
    ],
)
def test_documents_are_checked_before_support_sees_them(kind, document, number, stored, message):
    account = unverified()
    if message:
        with pytest.raises(BillingError, match=message):
            accounts.submit_verification(
                account=account, kind=kind, document=document, name="A", number=number
            )
        account.refresh_from_db()
        assert account.verification_state == Account.Verification.UNVERIFIED
        return
    accounts.submit_verification(
        account=account, kind=kind, document=document, name="A", number=number
    )
    account.refresh_from_db()
    assert (account.verified_document, account.verified_number) == (document, stored)


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
