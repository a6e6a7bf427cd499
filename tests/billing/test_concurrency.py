"""Two purchases racing for one balance on PostgreSQL: exactly one may pass (SPEC.md §1)."""

from decimal import Decimal

import pytest

from billing import roles
from billing.errors import BillingError
from billing.models import LedgerEntry, Order
from billing.selectors import Acting
from billing.services import captcha, ledger
from tests.factories import AccountFactory, fund, sku
from tests.helpers import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_purchases_cannot_overdraw_one_balance():
    account = fund(AccountFactory(), cash="3000.00")  # covers one ¥2,000 pack, not two
    acting = Acting(account=account, role=roles.OWNER)
    pack = sku("captcha-count-1m")

    def buy(key):
        return lambda: captcha.buy_pack(
            acting=acting, user=account.owner, sku=pack, idempotency_key=key
        )

    outcomes = race(buy("first"), buy("second"), catch=BillingError)
    account.refresh_from_db()
    assert sum(isinstance(o, BillingError) for o in outcomes) == 1
    assert Order.objects.filter(account=account).count() == 1
    assert account.cash_balance == Decimal("1000.00")
    assert ledger.ledger_sums(account_id=account.pk) == (Decimal("1000.00"), Decimal("0.00"))


def test_a_double_submitted_purchase_charges_once():
    account = fund(AccountFactory(), cash="10000.00")
    acting = Acting(account=account, role=roles.OWNER)
    pack = sku("captcha-count-1m")

    def buy():
        return captcha.buy_pack(
            acting=acting, user=account.owner, sku=pack, idempotency_key="same-form"
        )

    outcomes = race(buy, buy, buy, catch=BillingError)
    assert all(not isinstance(o, BillingError) for o in outcomes), outcomes
    assert len({o.order.pk for o in outcomes}) == 1
    assert sorted(o.created for o in outcomes) == [False, False, True]
    account.refresh_from_db()
    assert account.cash_balance == Decimal("8000.00")
    assert LedgerEntry.objects.filter(account=account, kind="payment").count() == 1
