"""Notices that were missing: real-name decisions (with the reason) and order paid (with the
receipt link), with links built from the console's real address (issue 11 item 7)."""

from pathlib import Path

import pytest
from django.core import mail

from billing import roles
from billing.models import Account
from billing.selectors import Acting
from billing.services import accounts, captcha
from notifications.kinds import KINDS, Kind, console_link
from notifications.models import Notice
from tests.factories import AccountFactory, UserFactory, fund, sku

pytestmark = pytest.mark.django_db


def test_order_paid_tells_the_total_and_links_the_receipt_on_the_real_address(
    settings, django_capture_on_commit_callbacks
):
    settings.CONSOLE_BASE_URL = "http://127.0.0.1:8123"
    account = fund(AccountFactory(name="Acme"), cash="5000")
    with django_capture_on_commit_callbacks(execute=True):
        order = captcha.buy_pack(
            acting=Acting(account=account, role=roles.OWNER),
            user=account.owner,
            sku=sku("captcha-count-1m"),
            idempotency_key="k",
        ).order
    notice = Notice.objects.get(kind=Kind.ORDER_PAID)
    assert notice.subject == order
    (email,) = [m for m in mail.outbox if order.number in m.subject]
    assert "¥2,000.00" in email.subject
    assert f"http://127.0.0.1:8123/orders/{order.number}/receipt/" in email.body
    assert "1,000,000" in email.body


def test_real_name_approval_and_rejection_are_told_with_the_reason(
    django_capture_on_commit_callbacks,
):
    support = UserFactory(username="agent", is_staff=True)
    account = AccountFactory(verification_state=Account.Verification.UNVERIFIED)
    accounts.submit_verification(
        account=account, kind="company", name="Acme", number="91110000600037341L"
    )
    with django_capture_on_commit_callbacks(execute=True):
        accounts.reject_verification(account=account, by=support, reason="The licence is blurred")
    rejected = Notice.objects.get(kind=Kind.REAL_NAME_REJECTED)
    assert rejected.context["reason"] == "The licence is blurred"
    assert any("The licence is blurred" in m.body for m in mail.outbox)
    accounts.submit_verification(
        account=account, kind="company", name="Acme", number="91310000MA1K000019"
    )
    with django_capture_on_commit_callbacks(execute=True):
        accounts.approve_verification(account=account, by=support)
    assert Notice.objects.filter(kind=Kind.REAL_NAME_APPROVED, account=account).count() == 1
    assert any("approved" in m.subject for m in mail.outbox)


def test_refund_notices_link_to_the_refunds_page(settings):
    settings.CONSOLE_BASE_URL = "http://127.0.0.1:8123"
    assert console_link(Kind.REFUND_TICKET_UPDATE) == "http://127.0.0.1:8123/refunds/"
    assert KINDS[Kind.ORDER_PAID].category == "account"


def test_make_run_passes_the_web_address_to_every_process():
    """honcho gives each process its own PORT; the notice links must use the web's."""
    script = (Path(__file__).resolve().parents[2] / "scripts" / "run").read_text()
    assert 'CONSOLE_BASE_URL="${CONSOLE_BASE_URL:-http://127.0.0.1:$PORT}"' in script
    assert "export PORT CONSOLE_BASE_URL" in script
