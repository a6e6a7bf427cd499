"""SMS through the official Tencent Cloud SDK, against a loopback stand-in for the SMS API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from notifications.kinds import Channel, Kind
from notifications.models import Delivery, DevSmsMessage
from notifications.services import notify
from tests.factories import PushAppFactory, UserFactory
from tests.notifications.conftest import sms_error

EXPIRES = dt.datetime(2026, 3, 4, 16, 0, tzinfo=dt.UTC)
MOBILE = "+8613800138000"


@pytest.fixture
def with_mobile(owner_recipient):
    owner_recipient.mobile = MOBILE
    owner_recipient.mobile_verified_at = timezone.now()
    owner_recipient.save()
    return owner_recipient


def _balance_alert(account, *, day=dt.date(2026, 3, 2)):
    return notify(
        kind=Kind.BALANCE_ALERT,
        account=account,
        subject=account,
        day=day,
        context={"available_balance": Decimal("88.5"), "threshold": Decimal("100")},
    )


@pytest.mark.django_db
def test_sms_goes_through_the_sdk_with_a_signed_sendsms_request(
    account, with_mobile, sms_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = _balance_alert(account)

    (request,) = sms_api.requests
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert headers["x-tc-action"] == "SendSms"
    assert headers["x-tc-version"] == "2021-01-11"
    assert headers["x-tc-region"] == "ap-guangzhou"
    assert headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDtestsecretid/")
    assert "Signature=" in headers["authorization"]
    assert headers["x-tc-timestamp"].isdigit()
    body = request["body"]
    assert body["PhoneNumberSet"] == [MOBILE]
    assert body["TemplateId"] == "1001"
    assert body["SmsSdkAppId"] == "1400000001"
    assert body["SignName"] == "云控制台"
    assert body["TemplateParamSet"] == ["88.50", "100.00"]

    delivery = notice.deliveries.get(channel=Channel.SMS)
    assert delivery.status == Delivery.Status.SENT
    assert delivery.address == MOBILE
    assert delivery.attempts == 1
    assert delivery.provider_message_id.startswith("5000:")
    assert body["SessionContext"] == f"delivery-{delivery.pk}"


@pytest.mark.django_db
def test_transient_errors_twice_then_success_sends_exactly_one_sms(
    account, with_mobile, sms_api, eager_retries, django_capture_on_commit_callbacks
):
    sms_api.replies = [sms_error("InternalError.Timeout"), sms_error("RequestLimitExceeded")]
    with django_capture_on_commit_callbacks(execute=True):
        notice = _balance_alert(account)

    assert len(sms_api.requests) == 3
    delivery = notice.deliveries.get(channel=Channel.SMS)
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 3
    assert delivery.last_error == ""
    # The email went out once, on its own delivery, unaffected by the SMS retries.
    assert notice.deliveries.get(channel=Channel.EMAIL).attempts == 1


@pytest.mark.django_db
def test_permanent_error_fails_the_delivery_and_support_sees_it_in_the_admin(
    account, with_mobile, sms_api, eager_retries, django_capture_on_commit_callbacks, client
):
    sms_api.replies = [sms_error("FailedOperation.TemplateIncorrectOrUnapproved", "bad template")]
    with django_capture_on_commit_callbacks(execute=True):
        notice = _balance_alert(account)

    assert len(sms_api.requests) == 1  # not retried
    delivery = notice.deliveries.get(channel=Channel.SMS)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1
    assert delivery.last_error.startswith(
        "FailedOperation.TemplateIncorrectOrUnapproved: bad template"
    )

    support = UserFactory(username="support-sms", is_staff=True)
    support.groups.add(Group.objects.get(name="Support"))
    client.force_login(support)
    failed_page = client.get("/admin/notifications/delivery/", {"status__exact": "failed"})
    assert failed_page.status_code == 200
    assert f'value="{delivery.pk}"' in failed_page.text
    assert "FailedOperation.TemplateIncorrectOrUnapproved" in failed_page.text
    email_delivery = notice.deliveries.get(channel=Channel.EMAIL)
    assert f'value="{email_delivery.pk}"' not in failed_page.text  # it was sent
    sent_page = client.get("/admin/notifications/delivery/", {"status__exact": "sent"})
    assert f'value="{delivery.pk}"' not in sent_page.text
    search = client.get("/admin/notifications/delivery/", {"q": account.name})
    assert f'value="{delivery.pk}"' in search.text


@pytest.mark.django_db
def test_support_resends_a_failed_sms_from_the_admin(
    account, with_mobile, sms_api, eager_retries, django_capture_on_commit_callbacks, client
):
    sms_api.replies = [sms_error("UnauthorizedOperation.SmsSdkAppIdVerifyFail")]
    with django_capture_on_commit_callbacks(execute=True):
        notice = _balance_alert(account)
    delivery = notice.deliveries.get(channel=Channel.SMS)
    assert delivery.status == Delivery.Status.FAILED

    support = UserFactory(username="support-resend", is_staff=True)
    support.groups.add(Group.objects.get(name="Support"))
    client.force_login(support)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/delivery/",
            {"action": "resend_failed", "_selected_action": [delivery.pk]},
            follow=True,
        )
    assert "1 delivery queued again." in response.text
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 2
    assert len(sms_api.requests) == 2


@pytest.mark.django_db
def test_a_refused_number_in_the_send_status_is_a_permanent_failure(
    account, with_mobile, sms_api, django_capture_on_commit_callbacks
):
    def refused(body):
        return {
            "Response": {
                "SendStatusSet": [
                    {
                        "SerialNo": "",
                        "PhoneNumber": body["PhoneNumberSet"][0],
                        "Fee": 0,
                        "SessionContext": "",
                        "Code": "FailedOperation.PhoneNumberInBlacklist",
                        "Message": "phone number in blacklist",
                        "IsoCode": "CN",
                    }
                ],
                "RequestId": "req-1",
            }
        }

    sms_api.replies = [refused]
    with django_capture_on_commit_callbacks(execute=True):
        notice = _balance_alert(account)
    delivery = notice.deliveries.get(channel=Channel.SMS)
    assert delivery.status == Delivery.Status.FAILED
    assert "PhoneNumberInBlacklist" in delivery.last_error


@pytest.mark.django_db
def test_a_kind_without_a_template_id_fails_without_calling_the_api(
    account, with_mobile, sms_api, django_capture_on_commit_callbacks
):
    app = PushAppFactory(account=account)
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(
            kind=Kind.PUSH_DESTROYED,
            account=account,
            subject=app,
            day=dt.date(2026, 3, 2),
            context={"destroyed_at": EXPIRES},
        )
    delivery = notice.deliveries.get(channel=Channel.SMS)
    assert delivery.status == Delivery.Status.FAILED
    assert "No Tencent Cloud SMS template id" in delivery.last_error
    assert sms_api.requests == []


@pytest.mark.django_db
def test_development_backend_records_the_text(
    account, with_mobile, django_capture_on_commit_callbacks
):
    app = PushAppFactory(account=account, name="Hero Chat", access_id="1500000042")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            kind=Kind.PUSH_EXPIRY_REMINDER,
            account=account,
            subject=app,
            day=dt.date(2026, 3, 2),
            context={"expires_at": EXPIRES, "days_left": 3},
        )
    (sms,) = DevSmsMessage.objects.all()
    assert sms.phone_number == MOBILE
    assert sms.template == "push_expiry_reminder"
    assert sms.params == ["Hero Chat", "1500000042", "2026-03-05"]
    assert sms.text == (
        "Your push app Hero Chat (1500000042) expires on 2026-03-05. "
        "Renew in the console to avoid interruption."
    )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_retries_with_backoff_and_sends_once(real_celery, worker_sms_api):
    """Commit → Redis → `celery worker` → SDK → loopback API: two timeouts, then success."""
    import time

    from tests.factories import AccountFactory

    account = AccountFactory(owner__email="sms-worker@example.com")
    owner = account.message_recipients.get(is_owner=True)
    owner.mobile, owner.mobile_verified_at = MOBILE, timezone.now()
    owner.save()
    worker_sms_api.replies = [
        sms_error("InternalError.Timeout"),
        sms_error("InternalError.Timeout"),
    ]

    notice = _balance_alert(account)
    delivery = notice.deliveries.get(channel=Channel.SMS)
    deadline = time.monotonic() + 60
    while delivery.status == Delivery.Status.QUEUED and time.monotonic() < deadline:
        time.sleep(0.2)
        delivery.refresh_from_db()

    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 3
    requests = worker_sms_api.requests
    assert len(requests) == 3
    assert all(request["body"]["PhoneNumberSet"] == [MOBILE] for request in requests)
    # Exponential backoff: ~0.3 s, then ~0.6 s (±20% jitter) between attempts.
    first_wait = requests[1]["at"] - requests[0]["at"]
    second_wait = requests[2]["at"] - requests[1]["at"]
    assert first_wait >= 0.2 and second_wait >= 0.45
    time.sleep(1)
    assert len(worker_sms_api.requests) == 3  # nothing more after success
