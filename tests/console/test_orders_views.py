import datetime as dt

import pytest
from django.urls import reverse

from billing import roles
from billing.models import Order, PostpaidBillLine, Product
from billing.selectors import Acting
from billing.services import captcha, push
from tests.factories import AccountFactory, PushAppFactory, fund, sku

pytestmark = pytest.mark.django_db


def buy(account, code="captcha-count-1m", key="k"):
    return captcha.buy_pack(
        acting=Acting(account=account, role=roles.OWNER),
        user=account.owner,
        sku=sku(code),
        idempotency_key=key,
    ).order


def test_order_list_and_detail_show_the_payment_split(client):
    account = fund(AccountFactory(), cash="1500", gift="600")
    order = buy(account)
    client.force_login(account.owner)
    listing = client.get(reverse("console:orders")).content.decode()
    assert order.number in listing
    detail = client.get(reverse("console:order_detail", args=[order.number])).content.decode()
    assert "¥600.00" in detail and "¥1,400.00" in detail and "¥2,000.00" in detail


def test_another_accounts_order_is_404(client):
    order = buy(fund(AccountFactory(), cash="5000"))
    client.force_login(AccountFactory().owner)
    assert client.get(reverse("console:order_detail", args=[order.number])).status_code == 404
    assert client.get(reverse("console:receipt", args=[order.number])).status_code == 404


def test_filters_are_bookmarkable_and_htmx_gets_only_the_results(client):
    account = fund(AccountFactory(), cash="5000")
    order = buy(account)
    client.force_login(account.owner)
    url = reverse("console:orders") + "?tab=prepaid&product=push"
    assert order.number not in client.get(url).content.decode()
    response = client.get(
        reverse("console:orders") + "?product=captcha",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="order-results",
    )
    body = response.content.decode()
    assert order.number in body and "<html" not in body


def test_bad_date_range_is_explained(client):
    account = AccountFactory()
    client.force_login(account.owner)
    response = client.get(reverse("console:orders") + "?since=2026-12-01&until=2026-11-01")
    assert "The start date is after the end date." in response.content.decode()


def test_postpaid_tab_says_bills_cannot_be_cancelled(client):
    account = AccountFactory()
    app = PushAppFactory(account=account)
    PostpaidBillLine.objects.create(
        account=account,
        product=Product.objects.get(code="push"),
        app=app,
        day=dt.date(2026, 11, 20),
        quantity=40_000,
        unit_price="0.00320",
        amount="128.00",
    )
    client.force_login(account.owner)
    page = client.get(reverse("console:orders") + "?tab=postpaid").content.decode()
    assert "cannot be cancelled" in page and "¥128.00" in page


def test_order_detail_renders_the_recorded_breakdown(client):
    account = fund(AccountFactory(), cash="5000")
    order = buy(account)
    Order.objects.filter(pk=order.pk).update(
        breakdown=[
            {
                "label": "10万 DAU × 12 months",
                "unit_price": "1000.00",
                "quantity": "12",
                "discount_rate": "0.85",
                "subtotal": "10200.00",
            }
        ]
    )
    client.force_login(account.owner)
    detail = client.get(reverse("console:order_detail", args=[order.number])).content.decode()
    assert "¥1,000.00" in detail and "15% off" in detail and "¥10,200.00" in detail


def test_order_detail_shows_label_only_lines_such_as_a_refund_calculation(client):
    account = fund(AccountFactory(), cash="5000")
    order = buy(account)
    Order.objects.filter(pk=order.pk).update(
        breakdown=[{"label": "Paid ¥2,000.00; 3 months used", "subtotal": ""}]
    )
    client.force_login(account.owner)
    response = client.get(reverse("console:order_detail", args=[order.number]))
    assert response.status_code == 200
    assert "Paid ¥2,000.00; 3 months used" in response.content.decode()


def test_pages_keep_the_filters(client, monkeypatch):
    monkeypatch.setattr("console.views.orders.PAGE_SIZE", 1)
    account = fund(AccountFactory(), cash="9000")
    first, second = buy(account, key="a"), buy(account, key="b")
    client.force_login(account.owner)
    page_one = client.get(reverse("console:orders") + "?product=captcha").content.decode()
    assert "Page 1 of 2" in page_one and "?product=captcha&page=2" in page_one
    page_two = client.get(reverse("console:orders") + "?product=captcha&page=2").content.decode()
    assert {first.number in page_one, second.number in page_one} == {True, False}
    assert {first.number in page_two, second.number in page_two} == {True, False}


@pytest.mark.parametrize(
    "query, error",
    [
        ("since=2026-11-20&until=2026-11-01", "The start date is after the end date."),
        ("since=garbage", "Enter a valid date"),
    ],
)
def test_a_filter_that_cannot_be_applied_lists_nothing_and_says_why(client, query, error):
    account = fund(AccountFactory(), cash="9000")
    order = buy(account)
    client.force_login(account.owner)
    page = client.get(
        reverse("console:orders") + "?" + query,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="order-results",
    ).content.decode()
    assert 'data-testid="filter-error"' in page and error in page
    assert order.number not in page


def test_product_names_and_months_are_translated_in_the_orders_list(client):
    account = fund(AccountFactory(), cash="10000")
    buy(account)
    app = PushAppFactory(account=account, access_point="singapore")
    push.buy_prepaid(
        acting=Acting(account=account, role=roles.OWNER),
        user=account.owner,
        app=app,
        capacity_wan=1,
        months=1,
        idempotency_key="push-1",
    )
    client.force_login(account.owner)
    english = client.get(reverse("console:orders")).content.decode()
    assert "<td>Mobile Push</td>" in english and "<td>CAPTCHA</td>" in english
    assert "× 1 month<" in english and "1 months" not in english
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("console:orders")).content.decode()
    assert "<td>移动推送</td>" in chinese and "<td>验证码</td>" in chinese
    assert "Mobile Push" not in chinese and "<td>CAPTCHA</td>" not in chinese
    assert "× 1 个月" in chinese


def test_breakdown_lines_read_in_the_readers_language(client):
    account = fund(AccountFactory(), cash="9000")
    order = buy(account)
    client.force_login(account.owner)
    url = reverse("console:order_detail", args=[order.number])
    assert "Count pack of 1,000,000 verifications" in client.get(url).content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert "次资源包" not in client.get(url).content.decode()
    assert "，1,000,000 次验证" in client.get(url).content.decode()


def test_lines_stored_without_a_code_keep_their_english_label(client):
    account = fund(AccountFactory(), cash="9000")
    order = buy(account)
    Order.objects.filter(pk=order.pk).update(
        breakdown=[
            {"label": "Legacy line", "unit_price": "1", "quantity": "1", "subtotal": "1"},
            {"label": "Odd line", "code": "push_prepaid", "args": {"region": "x"}},
        ]
    )
    client.force_login(account.owner)
    page = client.get(reverse("console:order_detail", args=[order.number])).content.decode()
    assert "Legacy line" in page and "Odd line" in page


def test_an_invalid_date_filter_says_so_instead_of_listing_nothing(client):
    account = AccountFactory()
    client.force_login(account.owner)
    response = client.get(reverse("console:orders"), {"since": "2026-13-45"})
    assert response.status_code == 400
    assert 'data-testid="filter-error"' in response.text
    assert "Correct the filter above to see orders." in response.text
    assert "No orders match." not in response.text
