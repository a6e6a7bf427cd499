import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from billing.models import LedgerEntry, Recharge
from tests.factories import AccountFactory, MembershipFactory, VoucherFactory, fund

pytestmark = pytest.mark.django_db


def test_ledger_shows_running_balance_and_sandbox_label(client):
    account = fund(AccountFactory(), cash="100", gift="20")
    client.force_login(account.owner)
    page = client.get(reverse("console:balance")).content.decode()
    assert "Sandbox — no real money" in page
    assert "¥100.00" in page and "¥20.00" in page


def test_sandbox_recharge_credits_cash_once(client):
    account = AccountFactory()
    client.force_login(account.owner)
    response = client.post(reverse("console:recharge"), {"amount": "500"})
    row = Recharge.objects.get(account=account)
    assert response["Location"] == reverse("console:sandbox_payment", args=[row.provider_reference])
    client.post(response["Location"], {"outcome": "pay"})
    client.post(response["Location"], {"outcome": "pay"})  # replayed confirmation
    account.refresh_from_db()
    assert account.cash_balance == Decimal("500.00")
    assert LedgerEntry.objects.filter(account=account, kind="recharge").count() == 1


def test_cancelled_sandbox_payment_credits_nothing(client):
    account = AccountFactory()
    client.force_login(account.owner)
    url = client.post(reverse("console:recharge"), {"amount": "500"})["Location"]
    client.post(url, {"outcome": "cancel"})
    account.refresh_from_db()
    assert account.cash_balance == 0
    assert Recharge.objects.get().status == Recharge.Status.FAILED


@pytest.mark.parametrize(
    "amount, error",
    [
        ("0", "Recharge at least ¥0.01."),
        ("-5", "Recharge at least ¥0.01."),
        ("abc", "Enter a number."),
        ("1.234", "at most 2 decimal places"),
        ("99999999", "Recharge at most ¥1,000,000.00 at a time."),
        ("1000000.01", "Recharge at most ¥1,000,000.00 at a time."),
    ],
)
def test_bad_recharge_amounts_are_refused(client, amount, error):
    account = AccountFactory()
    client.force_login(account.owner)
    response = client.post(reverse("console:recharge"), {"amount": amount})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Recharge.objects.exists()


def test_another_accounts_sandbox_payment_is_404(client):
    account = AccountFactory()
    client.force_login(account.owner)
    url = client.post(reverse("console:recharge"), {"amount": "50"})["Location"]
    client.force_login(AccountFactory().owner)
    assert client.post(url, {"outcome": "pay"}).status_code == 404
    account.refresh_from_db()
    assert account.cash_balance == 0


def test_balance_alert_threshold_is_saved_validated_and_cleared(client):
    account = AccountFactory()
    client.force_login(account.owner)
    client.post(reverse("console:balance_alert"), {"threshold": "300.50"})
    account.refresh_from_db()
    assert account.balance_alert_threshold == Decimal("300.50")
    assert client.post(reverse("console:balance_alert"), {"threshold": "-1"}).status_code == 400
    client.post(reverse("console:balance_alert"), {"threshold": ""})
    account.refresh_from_db()
    assert account.balance_alert_threshold is None


def test_readonly_member_sees_but_cannot_recharge(client):
    account = AccountFactory()
    member = MembershipFactory(account=account, role="readonly")
    client.force_login(member.user)
    assert client.get(reverse("console:balance")).status_code == 200
    assert client.post(reverse("console:recharge"), {"amount": "5"}).status_code == 403


def test_vouchers_are_listed_with_their_state(client):
    account = AccountFactory()
    VoucherFactory(account=account, code="SPRING100")
    client.force_login(account.owner)
    page = client.get(reverse("console:balance")).content.decode()
    assert "SPRING100" in page and "Usable" in page


@pytest.mark.parametrize("threshold", ["-1", "12.345", "abc", "1e3x"])
def test_bad_thresholds_are_refused_and_nothing_is_saved(client, threshold):
    account = AccountFactory(balance_alert_threshold=Decimal("50.00"))
    client.force_login(account.owner)
    response = client.post(reverse("console:balance_alert"), {"threshold": threshold})
    assert response.status_code == 400
    assert 'id="id_threshold"' in response.content.decode()
    account.refresh_from_db()
    assert account.balance_alert_threshold == Decimal("50.00")


@pytest.mark.parametrize("role", ["readonly", "resource"])
def test_roles_that_cannot_spend_cannot_change_the_alert_or_pay(client, role):
    account = AccountFactory()
    client.force_login(account.owner)
    url = client.post(reverse("console:recharge"), {"amount": "50"})["Location"]
    member = MembershipFactory(account=account, role=role)
    client.force_login(member.user)
    assert client.post(reverse("console:balance_alert"), {"threshold": "5"}).status_code == 403
    assert client.post(url, {"outcome": "pay"}).status_code == 403
    account.refresh_from_db()
    assert account.balance_alert_threshold is None and account.cash_balance == 0


def test_ledger_rows_are_another_accounts_never(client):
    fund(AccountFactory(), cash="777")
    account = fund(AccountFactory(), cash="12")
    client.force_login(account.owner)
    page = client.get(reverse("console:balance")).content.decode()
    assert "¥12.00" in page and "777" not in page


def _buy_push_and_pack(account):
    from billing import roles
    from billing.models import PackSku
    from billing.selectors import Acting
    from billing.services import captcha, push
    from tests.factories import PushAppFactory

    acting = Acting(account=account, role=roles.OWNER)
    app = PushAppFactory(account=account, name="Shop")
    push.buy_prepaid(
        acting=acting, user=account.owner, app=app, capacity_wan=10, months=1, idempotency_key="p"
    )
    captcha.buy_pack(
        acting=acting,
        user=account.owner,
        sku=PackSku.objects.get(code="captcha-count-1m"),
        idempotency_key="c",
    )


def test_ledger_lines_describe_what_the_money_was_for_in_the_readers_language(client):
    account = fund(AccountFactory(), cash="20000")
    _buy_push_and_pack(account)
    client.force_login(account.owner)
    english = client.get(reverse("console:balance")).content.decode()
    assert "Mobile Push · New purchase · Shop · 10万 × 1 month" in english
    assert "CAPTCHA · New purchase · 1,000,000 verifications" in english
    assert "Adjustment by support: test funding" in english
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("console:balance")).content.decode()
    assert "Shop · 10万 × 1 个月" in chinese and "1,000,000 次验证" in chinese
    assert "Push prepaid" not in chinese


def test_the_ledger_page_queries_do_not_grow_with_its_rows(client, django_assert_max_num_queries):
    account = fund(AccountFactory(), cash="20000")
    _buy_push_and_pack(account)
    client.force_login(account.owner)
    client.get(reverse("console:balance"))  # warm caches (sessions, content types)
    with django_assert_max_num_queries(15):
        client.get(reverse("console:balance"))


def test_a_page_rendered_for_a_refused_post_switches_language_back_to_a_get_page(client):
    account = AccountFactory()
    client.force_login(account.owner)
    response = client.post(
        reverse("console:recharge"),
        {"amount": "0"},
        HTTP_REFERER="http://testserver/balance/",
    )
    page = response.content.decode()
    assert 'name="next" value="http://testserver/balance/"' in page
    assert 'value="/balance/recharge/"' not in page


def test_a_short_checkout_sends_the_shortfall_to_recharge_and_comes_back(client):
    account = fund(AccountFactory(), cash="500")
    client.force_login(account.owner)
    checkout = reverse("console:captcha_buy", args=["captcha-count-1m"])  # ¥2,000: ¥1,500 short
    page = client.get(checkout).text
    link = unescape(re.search(r'href="([^"]+)" data-testid="recharge-shortfall"', page).group(1))
    assert "amount=1500.00" in link and "next=/captcha/buy/captcha-count-1m/" in link
    balance = client.get(link).text
    assert 'value="1500.00"' in balance and 'data-testid="recharge-return"' in balance
    sandbox = client.post(reverse("console:recharge"), {"amount": "1500.00", "next": checkout})
    back = client.post(sandbox["Location"], {"outcome": "pay"})
    assert back["Location"] == checkout
    account.refresh_from_db()
    assert account.cash_balance == Decimal("2000.00")


def test_the_return_address_must_be_a_path_on_this_site(client):
    account = AccountFactory()
    client.force_login(account.owner)
    sandbox = client.post(
        reverse("console:recharge"), {"amount": "10", "next": "https://evil.example/"}
    )
    assert client.post(sandbox["Location"], {"outcome": "pay"})["Location"] == reverse(
        "console:balance"
    )
