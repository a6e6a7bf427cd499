"""SMS behind a small backend interface; settings.SMS_BACKEND picks the implementation.

Tencent Cloud sends pre-approved templates: we pass the template id of the notice kind and its
parameters ({1}, {2}, ...). The rendered text is what the template says, kept for the
development backend and for the admin.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

from .base import PermanentDeliveryError, TransientDeliveryError

logger = logging.getLogger(__name__)


class SmsBackend:
    """Send one text to one E.164 number; return the provider's message id or raise."""

    def send(
        self, *, phone_number: str, template: str, params: list[str], text: str, reference: str
    ) -> str:
        raise NotImplementedError


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


class DatabaseSmsBackend(SmsBackend):
    """Development: every message becomes a row shown in the admin ("Development SMS outbox")."""

    def send(self, *, phone_number, template, params, text, reference) -> str:
        from notifications.models import DevSmsMessage

        message = DevSmsMessage.objects.create(
            phone_number=phone_number,
            template=template,
            params=params,
            text=text,
            reference=reference,
        )
        logger.info("development SMS to %s: %s", phone_number, text)
        return f"dev-{message.pk}"


# Tencent Cloud error codes that a later attempt may get past; everything else is permanent
# (bad parameters, unapproved templates or signatures, blocked numbers, daily limits).
TRANSIENT_CODE_PREFIXES = (
    "ClientNetworkError",
    "ServerNetworkError",
    "InternalError",
    "RequestLimitExceeded",
    "LimitExceeded.PhoneNumberThirtySecondLimit",
    "LimitExceeded.PhoneNumberOneHourLimit",
    "FailedOperation.FailResolvePacket",
)


def is_transient_code(code: str) -> bool:
    return code.startswith(TRANSIENT_CODE_PREFIXES)


class TencentCloudSmsBackend(SmsBackend):
    """Tencent Cloud SMS (API 2021-01-11 SendSms) through the official SDK."""

    def send(self, *, phone_number, template, params, text, reference) -> str:
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models, sms_client

        template_id = settings.SMS_TEMPLATE_IDS.get(template)
        if not template_id:
            raise PermanentDeliveryError(f"No Tencent Cloud SMS template id for {template!r}")
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [phone_number]
        request.SmsSdkAppId = settings.SMS_SDK_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = str(template_id)
        request.TemplateParamSet = [str(param) for param in params]
        request.SessionContext = reference
        client = sms_client.SmsClient(
            credential.Credential(
                settings.TENCENTCLOUD_SECRET_ID, settings.TENCENTCLOUD_SECRET_KEY
            ),
            settings.SMS_REGION,
            _client_profile(),
        )
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as error:
            message = (
                f"{error.get_code()}: {error.get_message()} (request {error.get_request_id()})"
            )
            if is_transient_code(error.get_code() or ""):
                raise TransientDeliveryError(message) from error
            raise PermanentDeliveryError(message) from error
        statuses = response.SendStatusSet or []
        if not statuses:
            raise TransientDeliveryError(
                f"SendSms returned no status (request {response.RequestId})"
            )
        status = statuses[0]
        if status.Code != "Ok":
            message = f"{status.Code}: {status.Message} (request {response.RequestId})"
            if is_transient_code(status.Code or ""):
                raise TransientDeliveryError(message)
            raise PermanentDeliveryError(message)
        return status.SerialNo or response.RequestId


def _client_profile():
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    http_profile = HttpProfile(reqTimeout=settings.SMS_TIMEOUT)
    if settings.SMS_ENDPOINT:
        # "https://sms.tencentcloudapi.com" or, in tests, "http://127.0.0.1:<port>".
        endpoint = urlsplit(settings.SMS_ENDPOINT)
        if endpoint.scheme:
            http_profile = HttpProfile(
                protocol=endpoint.scheme, endpoint=endpoint.netloc, reqTimeout=settings.SMS_TIMEOUT
            )
        else:
            http_profile.endpoint = settings.SMS_ENDPOINT
    return ClientProfile(httpProfile=http_profile)
