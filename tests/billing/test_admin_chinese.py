"""The back office in Simplified Chinese: model names, field labels and column headers of every
page support opens are translated (issue 12)."""

import re

import pytest
from django.urls import reverse

from billing.models import (
    Account,
    AuditEvent,
    LedgerEntry,
    Order,
    PushApp,
    PushSubscription,
    RefundTicket,
)
from billing.selectors import Acting
from billing.services import refunds, staff
from tests.factories import AccountFactory, SupportFactory, fund
from tests.helpers import prepaid_order

pytestmark = pytest.mark.django_db

# Words that stay as they are in Chinese: product and protocol names, codes, units.
KEPT = {"Access", "ID", "CAPTCHA", "CaptchaAppId", "DAU", "API", "SecretId", "TOTP", "SMS", "CSV"}


def english_labels(html: str) -> set[str]:
    """Column headers and field labels that are English words."""
    labels = re.findall(
        r'<th[^>]*scope="col"[^>]*>.*?<a[^>]*>([^<]+)</a>|<label[^>]*>([^<]+)</label>', html, re.S
    )
    found = set()
    for pair in labels:
        text = (pair[0] or pair[1]).strip().rstrip(":：")
        words = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in KEPT]
        if words and not re.search(r"[\u4e00-\u9fff]", text):
            found.add(text)
    return found


@pytest.fixture
def chinese_support(client):
    user = SupportFactory(username="zh-agent")
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    client.user = user
    return client


def test_every_list_and_form_support_opens_is_in_chinese(chinese_support):
    account = fund(AccountFactory(), cash="1600")
    order = prepaid_order(account)
    refunds.request_refund(
        acting=Acting(account=account, role="owner", user=account.owner),
        user=account.owner,
        order=order,
        reason="r",
    )
    staff.stop_app(app=PushApp.objects.get(pk=order.app_id), by=chinese_support.user, reason="r")
    pages = []
    for model, obj in [
        (Account, account),
        (PushApp, PushApp.objects.first()),
        (PushSubscription, PushSubscription.objects.first()),
        (Order, order),
        (LedgerEntry, LedgerEntry.objects.first()),
        (RefundTicket, RefundTicket.objects.first()),
        (AuditEvent, AuditEvent.objects.first()),
    ]:
        name = model._meta.model_name
        pages.append(reverse(f"admin:billing_{name}_changelist"))
        pages.append(reverse(f"admin:billing_{name}_change", args=[obj.pk]))
    untranslated = {}
    for url in pages:
        response = chinese_support.get(url)
        assert response.status_code == 200, url
        left = english_labels(response.content.decode())
        if left:
            untranslated[url] = sorted(left)
    assert untranslated == {}
