from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.errors import BillingError, InsufficientBalance
from billing.models import LedgerEntry, Voucher
from billing.services import ledger
from tests.factories import AccountFactory, UserFactory, VoucherFactory, fund

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_post_entry_refuses_to_run_outside_a_transaction():
    account = AccountFactory()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        ledger.post_entry(account=account, kind=LedgerEntry.Kind.RECHARGE, cash=Decimal("1.00"))


def test_recharge_posts_once_per_provider_reference():
    account = AccountFactory()
    first = ledger.recharge(account=account, amount=Decimal("100.00"), provider_reference="P1")
    again = ledger.recharge(account=account, amount=Decimal("100.00"), provider_reference="P1")
    account.refresh_from_db()
    assert first.pk == again.pk
    assert account.cash_balance == Decimal("100.00")
    assert LedgerEntry.objects.filter(account=account).count() == 1


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_recharge_refuses_non_positive_amounts(amount):
    account = AccountFactory()
    with pytest.raises(BillingError):
        ledger.recharge(account=account, amount=Decimal(amount), provider_reference="P2")
    assert not LedgerEntry.objects.exists()


def test_adjustment_needs_a_reason_and_changes_nothing_without_one():
    account = AccountFactory()
    with pytest.raises(BillingError, match="reason"):
        ledger.adjust_balance(
            account=account,
            cash=Decimal("10"),
            gift=Decimal("0"),
            reason="  ",
            by=UserFactory(),
            idempotency_key="k1",
        )
    account.refresh_from_db()
    assert account.cash_balance == 0
    assert not LedgerEntry.objects.exists()


def test_adjustment_cannot_take_gift_credit_below_zero():
    account = fund(AccountFactory(), gift="5")
    with pytest.raises(BillingError, match="Gift credit"):
        ledger.adjust_balance(
            account=account,
            cash=Decimal("0"),
            gift=Decimal("-6"),
            reason="typo",
            by=UserFactory(),
            idempotency_key="k2",
        )


def test_ledger_entries_are_immutable_in_python_and_in_the_database():
    account = fund(AccountFactory(), cash="10")
    entry = LedgerEntry.objects.get(account=account)
    entry.memo = "edited"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(cash_amount=Decimal("999"))
    with (
        pytest.raises(IntegrityError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM billing_ledgerentry WHERE id = %s", [entry.pk])


def test_adjustment_without_author_is_refused_by_the_database():
    account = AccountFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            account=account,
            kind=LedgerEntry.Kind.ADJUSTMENT,
            cash_amount=Decimal("1"),
            gift_amount=Decimal("0"),
            cash_balance_after=Decimal("1"),
            gift_balance_after=Decimal("0"),
            reason="",
        )


@pytest.mark.parametrize(
    ("cash", "gift", "voucher", "total", "expected"),
    [
        ("100", "0", None, "30", ("0", "0", "30")),
        ("100", "20", None, "30", ("0", "20", "10")),
        ("100", "50", None, "30", ("0", "30", "0")),
        ("100", "20", "25", "30", ("25", "5", "0")),
        ("100", "20", "50", "30", ("30", "0", "0")),
        ("10", "20", "3", "30", ("3", "20", "7")),
    ],
)
def test_payment_takes_voucher_then_gift_then_cash(cash, gift, voucher, total, expected):
    account = fund(AccountFactory(), cash=cash, gift=gift)
    chosen = VoucherFactory(account=account, amount=Decimal(voucher)) if voucher else None
    split = ledger.split_payment(account=account, total=Decimal(total), voucher=chosen)
    assert (split.voucher, split.gift, split.cash) == tuple(Decimal(x) for x in expected)


def test_payment_short_of_cash_names_the_shortfall():
    account = fund(AccountFactory(), cash="10", gift="5")
    with pytest.raises(InsufficientBalance) as raised:
        ledger.split_payment(account=account, total=Decimal("30"), voucher=None)
    assert raised.value.shortfall == Decimal("15")


def test_big_customer_advance_lets_cash_go_negative_only_when_allowed():
    account = fund(AccountFactory(big_customer=True), cash="10")
    split = ledger.split_payment(
        account=account, total=Decimal("30"), voucher=None, allow_advance=True
    )
    assert split.cash == Decimal("30")


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["recharge", "adjust", "pay"]),
        st.decimals(min_value="0.01", max_value="5000", places=2),
        st.decimals(min_value="-200", max_value="200", places=2),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_cached_balances_always_equal_the_ledger(operations):
    """Whatever happens, Account's cash/gift equal the ledger's sums and purchases never
    overdraw (SPEC.md §1)."""
    account = AccountFactory()
    staff = UserFactory(username="ledger-staff")
    for index, (operation, amount, gift_delta) in enumerate(operations):
        key = f"{account.pk}-{index}"
        try:
            if operation == "recharge":
                ledger.recharge(account=account, amount=amount, provider_reference=key)
            elif operation == "adjust":
                ledger.adjust_balance(
                    account=account,
                    cash=Decimal("0"),
                    gift=gift_delta,
                    reason="property test",
                    by=staff,
                    idempotency_key=key,
                )
            else:
                with transaction.atomic():
                    locked = ledger.lock_account(account.pk)
                    split = ledger.split_payment(account=locked, total=amount, voucher=None)
                    ledger.post_entry(
                        account=locked,
                        kind=LedgerEntry.Kind.PAYMENT,
                        cash=-split.cash,
                        gift=-split.gift,
                    )
        except BillingError:
            pass
        account.refresh_from_db()
        cash, gift = ledger.ledger_sums(account_id=account.pk)
        assert (account.cash_balance, account.gift_balance) == (cash, gift)
        assert account.cash_balance >= 0
        assert account.gift_balance >= 0
    last = LedgerEntry.objects.filter(account=account).order_by("-id").first()
    if last:
        assert (last.cash_balance_after, last.gift_balance_after) == (
            account.cash_balance,
            account.gift_balance,
        )


def test_voucher_is_single_use_after_an_order_used_it():
    voucher = VoucherFactory()
    assert voucher.is_usable(at=voucher.created_at)
    Voucher.objects.filter(pk=voucher.pk).update(used_at=voucher.created_at)
    voucher.refresh_from_db()
    assert not voucher.is_usable(at=voucher.created_at)
