from .accounts import Account, Invitation, Membership
from .approvals import StaffApproval
from .apps import OVERSEAS_ACCESS_POINTS, AccessPoint, CaptchaApp, PushApp, PushAppStop
from .audit import AuditEvent
from .catalog import PackSku, Product
from .fields import ZERO, MoneyField
from .ledger import DailyCounter, LedgerEntry, Recharge, Voucher
from .metering import (
    RESOURCE_DATA_MODELS,
    AccountBinding,
    ApiKey,
    DeviceToken,
    PushRecord,
    TagBinding,
    VerificationEvent,
)
from .orders import Order, PostpaidBillLine
from .packs import CaptchaPack, PushSubscription
from .refunds import OPEN_REFUND_STATES, RefundTicket, RefundTicketEvent
from .runs import BillingRun
from .usage import CaptchaUsageDaily, PushDauDaily

__all__ = [
    "OPEN_REFUND_STATES",
    "OVERSEAS_ACCESS_POINTS",
    "RESOURCE_DATA_MODELS",
    "ZERO",
    "AccessPoint",
    "Account",
    "AccountBinding",
    "ApiKey",
    "AuditEvent",
    "BillingRun",
    "CaptchaApp",
    "CaptchaPack",
    "CaptchaUsageDaily",
    "DailyCounter",
    "DeviceToken",
    "Invitation",
    "LedgerEntry",
    "Membership",
    "MoneyField",
    "Order",
    "PackSku",
    "PostpaidBillLine",
    "Product",
    "PushApp",
    "PushAppStop",
    "PushDauDaily",
    "PushRecord",
    "PushSubscription",
    "Recharge",
    "RefundTicket",
    "RefundTicketEvent",
    "StaffApproval",
    "TagBinding",
    "VerificationEvent",
    "Voucher",
]
